//! The cruise model of the f64 CPU reference engine: heliocentric point mass, Sun + tabulated
//! third bodies, solar-electric thrust with outages and noise, guidance. The state (r, v, m) is
//! integrated by `crate::integrator` (dopri5 by default, rk4 for validation). The engine mode
//! (thrusters running, guidance wants thrust, outage) is held over each step, so the
//! right-hand side is smooth on every step:
//! - steps end exactly on the times known in advance: outage starts and ends, thrust-noise
//!   nodes while thrusting, open-loop segments, the time limit;
//! - a mode change inside a step (power crossing a thruster's threshold, the Q-law's
//!   effectivity crossing its cut) is located on the dense output (Illinois on the
//!   effectivity, or bisection on the mode), and the step is cut back to it;
//! - the rendezvous (status arrived), the orbit-match milestone and propellant exhaustion are
//!   located on the dense output of their step;
//! - the Q-law's target carries a phasing term (the phase still to gain on 311P, unwrapped in
//!   the state), and within C_APPROACH of the comet an approach law steers and throttles; the
//!   stage is part of the engine mode, so its changes are located too.
//!
//! The Q-law's steering is evaluated inside the right-hand side (it is a continuous function
//! of the state). The shader twin is shaders/cruise.wgsl; both read the same constants and
//! input rows (scenario::cruise::layout).

use super::layout::*;
use super::model::*;
use super::PowerModel;
use crate::integrator::{
    golden_max_n, trial, Controller, RootBracket, System, Tolerance, Trial, ERR_NONFINITE,
};
use crate::physics::qlaw::{
    arrived, match_ratios, qlaw_direction, qlaw_steering, MatchTolerance, QLawTarget,
};
use crate::physics::vec3::{add, atan2_arith, atan2_small, cross, dot, norm, unit};

/// One sample's view of the cruise model.
pub struct CruiseSample<'a> {
    pub model: &'a Model,
    pub input: &'a [f64],
}

/// The engine mode held over one step (decided at its start; a change inside the step is
/// located and the step cut back to it).
#[derive(Debug, Clone, Copy)]
pub struct Held {
    /// Thrusting over the step: powered, commanded and not in an outage.
    pub on: bool,
    /// Thrusters the power runs.
    pub n_on: f64,
    /// Open-loop guidance: the profile segment's direction in radial/transverse/normal, and
    /// its throttle (1 under other guidance).
    pub ol_dir: [f64; 3],
    pub ol_throttle: f64,
    /// The phase still to gain on 311P at the step start (unwrapped) and its (cos, sin): the
    /// phase at a state of the step is unwrapped against them.
    pub psi0: f64,
    pub ph0: [f64; 2],
    /// The approach stage (relative-motion law) is in force.
    pub approach: bool,
}

impl Held {
    /// The mode of a step of a sample in state `s` (thrust off until decided).
    pub fn from_state(s: &[f64]) -> Held {
        Held {
            on: false,
            n_on: 0.0,
            ol_dir: [0.0; 3],
            ol_throttle: 1.0,
            psi0: s[S_PSI],
            ph0: [s[S_PH_C], s[S_PH_C + 1]],
            approach: s[S_MODE] >= APPROACH_MODE,
        }
    }

    /// The same thrust, bit for bit: on, thrusters, open-loop direction and throttle, approach
    /// stage (not the phase reference, psi0 and ph0).
    fn same_thrust(&self, o: &Held) -> bool {
        let same = |a: f64, b: f64| a.to_bits() == b.to_bits();
        self.on == o.on
            && same(self.n_on, o.n_on)
            && self.ol_dir.iter().zip(o.ol_dir).all(|(a, b)| same(*a, b))
            && same(self.ol_throttle, o.ol_throttle)
            && self.approach == o.approach
    }
}

/// The mode of one step, as [`CruiseSample::step_mode`] decides it at the step's start.
struct StepMode {
    held: Held,
    /// The mode code held (S_MODE).
    mode0: f64,
    /// The guidance wants thrust (powered or not, in an outage or not).
    wants: bool,
    /// An outage covers the step's start.
    outage: bool,
}

/// What the engines do at a state, over the step that would start there
/// ([`CruiseSample::engine_from`]).
#[derive(Debug, Clone, Copy)]
pub struct EngineNow {
    /// Thrusters the available power runs.
    pub thrusters: f64,
    /// Thrust [N] and mass flow [kg/s]: 0 unless thrusting.
    pub thrust_n: f64,
    pub mdot_kg_s: f64,
    /// "thrust", "coast" (the guidance's choice, or the approach law's at no throttle), "no
    /// power" (the guidance wants thrust and the power runs no thruster), "outage" (wanted
    /// and powered, in a missed-thrust outage), or "ended" (the flight's end: no step follows).
    pub state: &'static str,
    /// The approach stage's relative-motion law is in force.
    pub approach: bool,
}

/// A right-hand side already evaluated, f(t, y) under a held mode: dopri5's last evaluation of
/// a kept step is the next step's first (FSAL), and a trial taken again after a rejection or a
/// cut-back starts where the last one did. Reused only when time, state and the mode's
/// thrust ([`Held::same_thrust`]) are the same bits, so results
/// are bit for bit those of evaluating again: the phase inside the right-hand side is then the
/// step start's unwrapped phase either way (atan2_small(0, x > 0) is exactly 0).
#[derive(Debug, Clone, Copy)]
pub struct FirstEval {
    t: f64,
    y: [f64; N_Y],
    held: Held,
    f: [f64; N_Y],
}

impl FirstEval {
    fn new(t: f64, y: [f64; N_Y], held: Held, f: [f64; N_Y]) -> Self {
        FirstEval { t, y, held, f }
    }

    fn matches(&self, t: f64, y: &[f64; N_Y], held: Held) -> bool {
        self.t.to_bits() == t.to_bits()
            && self
                .y
                .iter()
                .zip(y)
                .all(|(a, b)| a.to_bits() == b.to_bits())
            && self.held.same_thrust(&held)
    }
}

/// The right-hand side of one sample under a held mode, for the integrator.
struct Rhs<'s, 'a> {
    sample: &'s CruiseSample<'a>,
    held: Held,
}

impl System<N_Y> for Rhs<'_, '_> {
    type Aux = ();
    fn rhs(&self, t: f64, y: &[f64; N_Y]) -> ([f64; N_Y], ()) {
        let (r, v, m) = split(y);
        let (dv, mdot) = self.sample.accel(r, v, m, t, self.held);
        let mut f = [0.0; N_Y];
        f[..3].copy_from_slice(&v);
        f[3..6].copy_from_slice(&dv);
        f[6] = -mdot;
        (f, ())
    }
    /// One weight per vector (from its length) and one for the mass, so that no weight depends
    /// on the frame's orientation (the shader's y_err_norm).
    fn error_norm(&self, e: &[f64; N_Y], y0: &[f64; N_Y], y1: &[f64; N_Y], tol: Tolerance) -> f64 {
        let len = |y: &[f64; N_Y], k: usize| norm([y[k], y[k + 1], y[k + 2]]);
        let w = |a: f64, b: f64| tol.atol + tol.rtol * a.max(b);
        let wr = w(len(y0, 0), len(y1, 0));
        let wv = w(len(y0, 3), len(y1, 3));
        let wm = w(y0[6].abs(), y1[6].abs());
        let s = (e[0] * e[0] + e[1] * e[1] + e[2] * e[2]) / (wr * wr)
            + (e[3] * e[3] + e[4] * e[4] + e[5] * e[5]) / (wv * wv)
            + (e[6] / wm) * (e[6] / wm);
        (s / 7.0).sqrt()
    }
}

fn split(y: &[f64; N_Y]) -> ([f64; 3], [f64; 3], f64) {
    ([y[0], y[1], y[2]], [y[3], y[4], y[5]], y[6])
}

/// A phase given as (cos, sin), unwrapped against the step start's phase in `held`.
fn unwrap_phase([c, s]: [f64; 2], held: Held) -> f64 {
    let [c0, s0] = held.ph0;
    held.psi0 + atan2_small(c0 * s - s0 * c, c0 * c + s0 * s)
}

/// The closest approach inside a step: the least of `d2` (the squared distance at a fraction
/// x of the step, from the dense output) on (0, 1), as (x, d2), when the distance falls at the
/// step's start and grows at its end (range rates `rr0` < 0 < `rr1`); None otherwise, when
/// the least distance is at an end. Located by golden-section search ([`CA_ITERATIONS`]), the
/// shader's loop in `cruise_step`. Until 2026-12-05 the vertex of the parabola through the
/// squared distance at the step's start, middle and end stood for it: near the comet the
/// approach law's thrust bends the relative path within a step, and that vertex fell up to
/// 84 km off, below zero (written as 0 km) for 8 % of dispersed rendezvous.
pub fn closest_in_step(rr0: f64, rr1: f64, d2: impl Fn(f64) -> f64) -> Option<(f64, f64)> {
    if !(rr0 < 0.0 && rr1 > 0.0) {
        return None;
    }
    let (x, v) = golden_max_n(|x| -d2(x), 0.0, 1.0, CA_ITERATIONS);
    Some((x, -v))
}

impl CruiseSample<'_> {
    fn c(&self, i: usize) -> f64 {
        self.model.consts[i]
    }

    /// The table interval of body `b` at time t: the fraction s of the interval and its nodes
    /// [r0, v0, r1, v1] (12 reals).
    fn eph_interval(&self, b: usize, t: f64) -> (f64, &[f64]) {
        let (k, s) = self.eph_at(t);
        (s, self.eph_nodes(b, k))
    }

    /// The table interval at time t, the same for every body: its index and the fraction s.
    fn eph_at(&self, t: f64) -> (usize, f64) {
        let u = t / self.c(C_EPH_DT);
        let k = u.floor().clamp(0.0, (self.model.n_eph - 2) as f64);
        (k as usize, u - k)
    }

    /// Body `b`'s nodes [r0, v0, r1, v1] of table interval `k`.
    fn eph_nodes(&self, b: usize, k: usize) -> &[f64] {
        let m = self.model;
        let base = m.off_eph + 6 * (b * m.n_eph + k);
        &m.consts[base..base + 12]
    }

    /// The cubic Hermite's weights at the fraction s of an interval: h00, h10 h, h01, h11 h.
    fn hermite_weights(&self, s: f64) -> [f64; 4] {
        let h = self.c(C_EPH_DT);
        let (s2, s3) = (s * s, s * s * s);
        [
            2.0 * s3 - 3.0 * s2 + 1.0,
            (s3 - 2.0 * s2 + s) * h,
            -2.0 * s3 + 3.0 * s2,
            (s3 - s2) * h,
        ]
    }

    /// A body's position from its interval's nodes and the Hermite's weights.
    fn hermite_position(n: &[f64], w: [f64; 4]) -> [f64; 3] {
        std::array::from_fn(|i| w[0] * n[i] + w[1] * n[3 + i] + w[2] * n[6 + i] + w[3] * n[9 + i])
    }

    /// Position of perturbing body `b` at time t: cubic Hermite between the table's nodes.
    pub fn body_position(&self, b: usize, t: f64) -> [f64; 3] {
        let (k, s) = self.eph_at(t);
        Self::hermite_position(self.eph_nodes(b, k), self.hermite_weights(s))
    }

    /// Velocity of body `b` at time t: the derivative of [`Self::body_position`]'s Hermite.
    pub fn body_velocity(&self, b: usize, t: f64) -> [f64; 3] {
        let h = self.c(C_EPH_DT);
        let (s, n) = self.eph_interval(b, t);
        let s2 = s * s;
        let d00 = 6.0 * s2 - 6.0 * s;
        let d10 = 3.0 * s2 - 4.0 * s + 1.0;
        let d01 = -6.0 * s2 + 6.0 * s;
        let d11 = 3.0 * s2 - 2.0 * s;
        std::array::from_fn(|i| (d00 * n[i] + d01 * n[6 + i]) / h + d10 * n[3 + i] + d11 * n[9 + i])
    }

    /// Gravity of the Sun and the perturbing bodies (with the indirect term) [m/s^2].
    pub fn gravity(&self, r: [f64; 3], t: f64) -> [f64; 3] {
        let rn = norm(r);
        let mut a = [0.0; 3];
        a = add(a, r, -self.c(C_SUN_MU) / (rn * rn * rn));
        // One interval and one set of weights for every body (the same bits as
        // body_position's).
        let (k, s) = self.eph_at(t);
        let w = self.hermite_weights(s);
        for b in 0..self.model.bodies.len() {
            let rb = Self::hermite_position(self.eph_nodes(b, k), w);
            let d = add(rb, r, -1.0);
            let dn = norm(d);
            let mu = self.c(self.model.off_bmu + b);
            let rbn = norm(rb);
            a = add(a, d, mu / (dn * dn * dn));
            a = add(a, rb, -mu / (rbn * rbn * rbn));
        }
        a
    }

    /// Thrusters that the available power runs at (r, t), as a real count (0 when off).
    pub fn thrusters_on(&self, r: [f64; 3], t: f64) -> f64 {
        let inp = self.input;
        let p_array = if self.model.cfg.propulsion.power_model == PowerModel::Solar {
            let r_au = norm(r) / self.c(C_AU);
            inp[I_P1AU] / (r_au * r_au) * (inp[I_LN_DEG] * t / self.c(C_YEAR_S)).exp()
        } else {
            inp[I_P1AU]
        };
        let avail = p_array - inp[I_BUS];
        if avail < inp[I_PMIN] || avail <= 0.0 {
            return 0.0;
        }
        (avail / inp[I_PTHR]).floor().min(inp[I_NTHR])
    }

    /// Relative thrust error at t (Gauss-Markov nodes, linear between, held at the ends).
    fn thrust_noise(&self, t: f64) -> f64 {
        let n = self.model.n_gm;
        if n == 0 {
            return 0.0;
        }
        let dt = self.c(C_GM_DT);
        let u = (t / dt).clamp(0.0, (n - 1) as f64);
        let k = u.floor().min((n - 2) as f64);
        let f = u - k;
        let g = &self.input[self.model.off_gm()..];
        let k = k as usize;
        g[k] + f * (g[k + 1] - g[k])
    }

    /// Whether an outage covers t. The outages are sorted and disjoint; `idx` (kept in the
    /// state) points at the current or next one and moves past an outage once it has ended, at
    /// most one per step (steps end on every outage start and end, so none is stepped over).
    /// No loop: the WGSL twin's loop over the outages was miscompiled.
    fn in_outage(&self, t: f64, idx: &mut f64) -> bool {
        let n = self.input[I_N_OUT];
        let at = |k: f64, e: usize| self.input[I_OUT + 2 * k as usize + e];
        if *idx < n && t >= at(*idx, 1) {
            *idx += 1.0;
        }
        *idx < n && t >= at(*idx, 0) && t < at(*idx, 1)
    }

    /// Apply the sample's constant pointing errors to a unit direction.
    fn point(&self, u: [f64; 3]) -> [f64; 3] {
        let (p1, p2) = (self.input[I_PERR1], self.input[I_PERR2]);
        if p1 == 0.0 && p2 == 0.0 {
            return u;
        }
        let z = if u[2].abs() < 0.9 {
            [0.0, 0.0, 1.0]
        } else {
            [1.0, 0.0, 0.0]
        };
        let e1 = unit(cross(u, z));
        let e2 = cross(u, e1);
        unit(add(add(u, e1, p1), e2, p2))
    }

    /// The thrust direction of the guidance at a state (before pointing errors).
    fn steering(&self, r: [f64; 3], v: [f64; 3], m: f64, t: f64, held: Held) -> [f64; 3] {
        match self.model.guidance {
            GUIDE_TANGENTIAL => unit(v),
            GUIDE_INERTIAL => [self.c(C_DIR), self.c(C_DIR + 1), self.c(C_DIR + 2)],
            GUIDE_OPEN_LOOP => {
                let rh = unit(r);
                let nh = unit(cross(r, v));
                let th = cross(nh, rh);
                let e = held.ol_dir;
                add(add(rh.map(|x| x * e[0]), th, e[1]), nh, e[2])
            }
            _ => {
                let params = self
                    .model
                    .qlaw
                    .as_ref()
                    .expect("Q-law guidance has its tuning");
                let accel = held.n_on * self.input[I_THRUST] * self.input[I_DUTY] / m;
                let target = self.phased_target(r, v, t, held);
                qlaw_steering(r, v, self.c(C_SUN_MU), accel.max(1e-12), &target, params)
            }
        }
    }

    /// The comet's (cos, sin) phase ahead of the spacecraft at (r, t): in the plane of 311P's
    /// orbit normal, positive when the comet leads.
    pub fn phase_cs(&self, r: [f64; 3], t: f64) -> [f64; 2] {
        let rc = self.comet_position(t);
        let h = [self.c(C_TGT_H), self.c(C_TGT_H + 1), self.c(C_TGT_H + 2)];
        let (ru, cu) = (unit(r), unit(rc));
        [dot(ru, cu), dot(cross(ru, cu), h)]
    }

    /// The phase still to gain on the comet at (r, t) [rad], unwrapped against the step start's.
    pub fn phase_to_gain(&self, r: [f64; 3], t: f64, held: Held) -> f64 {
        unwrap_phase(self.phase_cs(r, t), held)
    }

    /// 311P's orbit with the phasing term: the semi-major axis scaled by 1 - x (x bounded by
    /// C_PH_MAX), x = g (psi + T (n_t - n)) with g = C_PH_GAIN = (2/3) / (n_t T), T =
    /// phasing_days, n the spacecraft's osculating mean motion: a lagging spacecraft (psi > 0)
    /// aims lower and gains on the comet, a leading one higher, and the second term (the
    /// phase's rate, T ahead) damps the loop, whose orbit change lags by a year or more.
    /// Linearised (a - a_t = a_t x_a, x_a following its target with lag tau), the phase obeys
    /// psi'' + (2 / tau) psi' + psi / (T tau) = 0: damping ratio sqrt(T / tau).
    fn phased_target(&self, r: [f64; 3], v: [f64; 3], t: f64, held: Held) -> QLawTarget {
        let mut target = self.model.arrival;
        let gain = self.c(C_PH_GAIN);
        if gain > 0.0 {
            let inv_a = 2.0 / norm(r) - dot(v, v) / self.c(C_SUN_MU);
            let ratio = target.a_m * inv_a;
            let x = if inv_a > 0.0 {
                gain * self.phase_to_gain(r, t, held)
                    + 2.0 / 3.0 * (1.0 - (ratio * ratio * ratio).sqrt())
            } else {
                -self.c(C_PH_MAX)
            };
            target.a_m *= 1.0 - x.clamp(-self.c(C_PH_MAX), self.c(C_PH_MAX));
        }
        target
    }

    /// The approach stage's command at a state: unit direction and throttle in [0, 1]. The
    /// relative velocity follows a braking profile toward the comet, closing at
    /// c(d) = sqrt(k (d + d0)) - sqrt(k d0), k = 2 s a_max (s = APPROACH_ACCEL_SHARE),
    /// d0 = k tau^2 / 4: far out it brakes at s a_max, near the comet it closes at d / tau,
    /// and in between its deceleration, (k / 2)(1 - sqrt(d0 / (d + d0))), rises smoothly and
    /// never passes s a_max, which leaves the rest of the thrust to the feedback and the tidal
    /// term. The Sun's tidal acceleration between spacecraft and comet is cancelled, the
    /// profile's own rate along the flight is fed forward, and the velocity error decays with
    /// time constant tau: the distance then falls monotonically. Fed back alone (until
    /// 2026-12-05) the loop was damped at 0.5 and flew through the comet; with
    /// min(sqrt(k d), d / tau) the deceleration the profile asked for doubled where the two
    /// met, to all of the thrust (a review, the same day).
    pub fn approach_command(
        &self,
        r: [f64; 3],
        v: [f64; 3],
        m: f64,
        t: f64,
        n_on: f64,
    ) -> ([f64; 3], f64) {
        let a_max = n_on * self.input[I_THRUST] * self.input[I_DUTY] / m;
        if a_max <= 0.0 {
            return ([0.0; 3], 0.0);
        }
        let (rc, vc) = self.comet_state(t);
        let dr = add(r, rc, -1.0);
        let dv = add(v, vc, -1.0);
        let d = norm(dr);
        let tau = self.c(C_APP_TAU);
        let mu = self.c(C_SUN_MU);
        let (rn, rcn) = (norm(r), norm(rc));
        let tidal = add(
            r.map(|x| -mu * x / (rn * rn * rn)),
            rc,
            mu / (rcn * rcn * rcn),
        );
        // v_ref = -g(d) dr, g = c / d = k / (s1 + s0) (no cancellation near the comet, 1 / tau
        // at it); its rate along the flight, -g dv - (g' / d)(dr . dv) dr, is fed forward.
        let k = 2.0 * APPROACH_ACCEL_SHARE * a_max;
        let s0 = 0.5 * k * tau;
        let s1 = (k * d + s0 * s0).sqrt();
        let g = k / (s1 + s0);
        let dg_d = if d > 0.0 {
            -k * k / (2.0 * s1 * (s1 + s0) * (s1 + s0) * d)
        } else {
            0.0
        };
        let v_ref = dr.map(|x| -g * x);
        let ff = add(dv.map(|x| -g * x), dr, -dg_d * dot(dr, dv));
        let a_cmd = add(add(ff, tidal, -1.0), add(v_ref, dv, -1.0), 1.0 / tau);
        let an = norm(a_cmd);
        if an <= 0.0 {
            return ([0.0; 3], 0.0);
        }
        (a_cmd.map(|x| x / an), (an / a_max).min(1.0))
    }

    /// The thrust's commanded direction (before pointing errors) and throttle under a held mode:
    /// the approach law's in the approach stage, the guidance's otherwise, at full thrust or at
    /// the open-loop segment's throttle.
    fn command(&self, r: [f64; 3], v: [f64; 3], m: f64, t: f64, held: Held) -> ([f64; 3], f64) {
        if held.approach {
            self.approach_command(r, v, m, t, held.n_on)
        } else {
            (self.steering(r, v, m, t, held), held.ol_throttle)
        }
    }

    /// Acceleration [m/s^2] and mass flow [kg/s] under a held mode.
    fn accel(&self, r: [f64; 3], v: [f64; 3], m: f64, t: f64, held: Held) -> ([f64; 3], f64) {
        let a = self.gravity(r, t);
        match self.thrust(r, v, m, t, held) {
            Some((dir, thrust, mdot)) => (add(a, dir, thrust / m), mdot),
            None => (a, 0.0),
        }
    }

    /// The thrust under a held mode, where there is any: its direction (a unit vector), its
    /// magnitude [N] and the mass flow [kg/s].
    fn thrust(
        &self,
        r: [f64; 3],
        v: [f64; 3],
        m: f64,
        t: f64,
        held: Held,
    ) -> Option<([f64; 3], f64, f64)> {
        if !held.on {
            return None;
        }
        let duty = self.input[I_DUTY];
        let (dir, throttle) = self.command(r, v, m, t, held);
        if throttle <= 0.0 {
            return None;
        }
        // The noise's factor held at zero: no noise reverses the thrust (a sigma near 1
        // would, in its tail).
        let noise = (1.0 + self.thrust_noise(t)).max(0.0);
        let thrust = throttle * held.n_on * self.input[I_THRUST] * duty * noise;
        let mdot = throttle * held.n_on * self.input[I_MDOT] * duty;
        Some((self.point(dir), thrust, mdot))
    }

    /// The osculating orbit matches the target's within the tolerances: physics::qlaw::arrived,
    /// the one formulation that the tests check (the shader calls its twin, qlaw_arrived).
    fn arrived(&self, r: [f64; 3], v: [f64; 3]) -> bool {
        arrived(
            r,
            v,
            self.c(C_SUN_MU),
            &self.model.arrival,
            &self.match_tolerance(),
        )
    }

    /// The orbit match's tolerances, from the model's constants.
    fn match_tolerance(&self) -> MatchTolerance {
        MatchTolerance {
            a_m: self.c(C_TOL_A),
            e: self.c(C_TOL_E),
            cos_i: self.c(C_COS_TOL_I),
        }
    }

    /// [`Self::arrived`] at a state vector.
    fn arrived_y(&self, y: &[f64; N_Y]) -> bool {
        let (r, v, _) = split(y);
        self.arrived(r, v)
    }

    /// 311P's position at t (its table follows the perturbers').
    pub fn comet_position(&self, t: f64) -> [f64; 3] {
        self.body_position(self.model.bodies.len(), t)
    }

    /// 311P's position and velocity at t: the table's Hermite and its derivative.
    pub fn comet_state(&self, t: f64) -> ([f64; 3], [f64; 3]) {
        (
            self.comet_position(t),
            self.body_velocity(self.model.bodies.len(), t),
        )
    }

    /// Distance to 311P at t [m].
    pub fn comet_distance(&self, r: [f64; 3], t: f64) -> f64 {
        norm(add(r, self.comet_position(t), -1.0))
    }

    /// Within the rendezvous distance and relative speed of 311P.
    pub fn rendezvous(&self, r: [f64; 3], v: [f64; 3], t: f64) -> bool {
        let (rc, vc) = self.comet_state(t);
        norm(add(r, rc, -1.0)) <= self.c(C_RDV_D) && norm(add(v, vc, -1.0)) <= self.c(C_RDV_V)
    }

    /// [`Self::rendezvous`] at a state vector.
    fn rendezvous_y(&self, y: &[f64; N_Y], t: f64) -> bool {
        let (r, v, _) = split(y);
        self.rendezvous(r, v, t)
    }

    /// Distance / `rendezvous_km` and relative speed / `rendezvous_m_s` at a state: both at
    /// most 1 inside the rendezvous.
    fn rendezvous_ratios(&self, y: &[f64; N_Y], t: f64) -> (f64, f64) {
        let (rc, vc) = self.comet_state(t);
        let (r, v, _) = split(y);
        (
            norm(add(r, rc, -1.0)) / self.c(C_RDV_D),
            norm(add(v, vc, -1.0)) / self.c(C_RDV_V),
        )
    }

    /// The orbit match's criteria at a state as fractions of their tolerances
    /// ([`match_ratios`]).
    fn match_ratios(&self, y: &[f64; N_Y]) -> [f64; 3] {
        let (r, v, _) = split(y);
        match_ratios(
            r,
            v,
            self.c(C_SUN_MU),
            &self.model.arrival,
            &self.match_tolerance(),
        )
    }

    /// The first fraction of the step's first `th_end` at which the osculating orbit matches
    /// 311P's, when it does inside but not at the step's ends (the shader's twin in
    /// `cruise_step`). While the phasing steers about the target orbit the match can hold for
    /// days inside a step of ten and at neither end: tested at step ends alone, 4 of 500
    /// samples recorded their first match 400-450 days late (against 0.5-day steps). Searched
    /// where each criterion comes within twice its tolerance at one of the ends: the least of
    /// the largest ratio by golden section, then the first entry by bisection.
    fn match_inside(&self, tr: &Trial<N_Y, ()>, y0: &[f64; N_Y], th_end: f64) -> Option<f64> {
        let (q0, q1) = (self.match_ratios(y0), self.match_ratios(&tr.dense(th_end)));
        if (0..3).any(|i| q0[i].min(q1[i]) > 2.0) {
            return None;
        }
        let margin = |x: f64| {
            let q = self.match_ratios(&tr.dense(x * th_end));
            q[0].max(q[1]).max(q[2])
        };
        let (x, _) = golden_max_n(|x| -margin(x), 0.0, 1.0, CA_ITERATIONS);
        if !self.arrived_y(&tr.dense(x * th_end)) {
            return None;
        }
        Some(Self::first_hit_before(tr, x * th_end, |y, _| {
            self.arrived_y(y)
        }))
    }

    /// The first fraction of a step at which the rendezvous holds, when it holds inside the
    /// step but not at its end (the shader's twin in `cruise_step`). The conditions can hold
    /// together for hours only (leaving the rendezvous distance at 10 m/s while slowing
    /// through the rendezvous speed), inside a step of days: tested at step ends alone, such a
    /// window was flown through and the rendezvous taken a week later (sample 499 of the
    /// default seed, found by an audit). Searched where the step's ends come within twice the
    /// distance and twice the speed: the least margin by golden section (it falls while the
    /// speed does and rises as the distance does), then the first entry by bisection.
    fn rendezvous_inside(&self, tr: &Trial<N_Y, ()>, y0: &[f64; N_Y]) -> Option<f64> {
        let ((d0, s0), (d1, s1)) = (
            self.rendezvous_ratios(y0, tr.t_at(0.0)),
            self.rendezvous_ratios(&tr.y1, tr.t_at(1.0)),
        );
        if d0.min(d1) > 2.0 || s0.min(s1) > 2.0 {
            return None;
        }
        let margin = |x: f64| {
            let (d, s) = self.rendezvous_ratios(&tr.dense(x), tr.t_at(x));
            d.max(s)
        };
        let (x, _) = golden_max_n(|x| -margin(x), 0.0, 1.0, CA_ITERATIONS);
        if !self.rendezvous_y(&tr.dense(x), tr.t_at(x)) {
            return None;
        }
        Some(Self::first_hit_before(tr, x, |y, tt| {
            self.rendezvous_y(y, tt)
        }))
    }

    /// The engine mode at a state (mode_code): the thrusters the power runs there and whether
    /// the guidance wants thrust (open loop: the held segment's command); and the Q-law's
    /// effectivity there (0 for other guidance). The Q-law wants thrust when its effectivity
    /// reaches [`Self::cut`].
    pub fn mode_at(&self, y: &[f64; N_Y], t: f64, held: Held, wanting: bool) -> (f64, f64) {
        let (r, v, m) = split(y);
        let n_on = self.thrusters_on(r, t);
        // The approach stage: within C_APPROACH of the comet, left beyond twice that.
        let approach = self.model.guidance == GUIDE_QLAW
            && self.comet_distance(r, t)
                < self.c(C_APPROACH) * if held.approach { 2.0 } else { 1.0 };
        let (wants, eta) = match self.model.guidance {
            GUIDE_QLAW if approach => (true, 0.0),
            GUIDE_QLAW => {
                let params = self
                    .model
                    .qlaw
                    .as_ref()
                    .expect("Q-law guidance has its tuning");
                let accel = n_on * self.input[I_THRUST] * self.input[I_DUTY] / m;
                let target = self.phased_target(r, v, t, held);
                let d = qlaw_direction(r, v, self.c(C_SUN_MU), accel.max(1e-12), &target, params);
                (d.q_dot_best < 0.0 && d.eta_r >= self.cut(wanting), d.eta_r)
            }
            // The held segment's command (a step ends at every command change); not
            // `held.on`, which is also off in an outage or without power: that made every step
            // of an outage look like a mode change and cut it back to SWITCH_MIN_S.
            GUIDE_OPEN_LOOP => (wanting, 0.0),
            _ => (true, 0.0),
        };
        let stage = if approach { APPROACH_MODE } else { 0.0 };
        (mode_code(n_on, wants) + stage, eta)
    }

    /// The Q-law's effectivity cut: eta_cut, or, while it thrusts (`wanting`), eta_cut less
    /// the hysteresis band.
    fn cut(&self, wanting: bool) -> f64 {
        let eta_cut = self.model.qlaw.as_ref().map_or(0.0, |q| q.eta_cut);
        eta_cut - if wanting { self.c(C_ETA_HYST) } else { 0.0 }
    }

    /// The engine mode of the first step (S_MODE), from the initial state: the host sets it so
    /// that the shader needs no second evaluation site of the guidance's effectivity test.
    pub fn set_initial_mode(&self, s: &mut [f64]) {
        let y: [f64; N_Y] = std::array::from_fn(|i| s[S_R + i]);
        if y.iter().all(|x| x.is_finite()) && y[6] > 0.0 {
            // The phase to gain: the comet's lead now, plus the laps to gain.
            let cs = self.phase_cs([y[0], y[1], y[2]], s[S_T]);
            s[S_PH_C..S_PH_C + 2].copy_from_slice(&cs);
            s[S_PSI] = atan2_arith(cs[1], cs[0])
                + std::f64::consts::TAU * self.model.cfg.guidance.phasing_laps as f64;
            (s[S_MODE], s[S_ETA]) = self.mode_at(&y, s[S_T], Held::from_state(s), false);
        }
    }

    /// The open-loop profile's segment `k`: [t_start, on, radial, transverse, normal].
    fn ol_segment(&self, k: usize) -> &[f64] {
        let b = self.model.off_ol + OL_ROW * k;
        &self.model.consts[b..b + OL_ROW]
    }

    /// The earliest time after t that a step must end on exactly: the time limit, the next
    /// outage start or end, the next thrust-noise node while thrusting, the next open-loop
    /// segment, a located mode switch. `s` has the outage and segment indices for t.
    fn next_stop(&self, s: &[f64], t: f64, on: bool) -> f64 {
        let mut stop = self.c(C_T_LIMIT).min(s[S_T_SWITCH]);
        let n_out = self.input[I_N_OUT];
        let k = s[S_OUT_IDX];
        if k < n_out {
            let (a, b) = (
                self.input[I_OUT + 2 * k as usize],
                self.input[I_OUT + 2 * k as usize + 1],
            );
            stop = stop.min(if t < a { a } else { b });
        }
        if on && self.model.n_gm > 0 {
            let dt = self.c(C_GM_DT);
            let mut node = ((t / dt).floor() + 1.0) * dt;
            if node <= t {
                node += dt;
            }
            stop = stop.min(node);
        }
        if self.model.guidance == GUIDE_OPEN_LOOP {
            let k = s[S_OL_IDX] as usize;
            if k + 1 < self.model.n_ol {
                stop = stop.min(self.ol_segment(k + 1)[0]);
            }
        }
        stop
    }

    /// Bisection on [0, 1] of the trial's dense output for the first theta where `hit` holds
    /// (it holds at 1, not at 0): the smallest theta found where it holds.
    fn first_hit(tr: &Trial<N_Y, ()>, hit: impl Fn(&[f64; N_Y], f64) -> bool) -> f64 {
        Self::first_hit_before(tr, 1.0, hit)
    }

    /// [`Self::first_hit`] on [0, `until`] (`hit` holds at `until`, not at 0).
    fn first_hit_before(
        tr: &Trial<N_Y, ()>,
        until: f64,
        hit: impl Fn(&[f64; N_Y], f64) -> bool,
    ) -> f64 {
        let (mut lo, mut hi) = (0.0, until);
        for _ in 0..SWITCH_BISECTIONS {
            let mid = 0.5 * (lo + hi);
            if hit(&tr.dense(mid), tr.t_at(mid)) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        hi
    }

    /// Advance by at most `max_steps` trial steps; true when finished.
    pub fn advance(&self, s: &mut [f64], max_steps: u64) -> bool {
        let mut first_eval = None;
        (0..max_steps).any(|_| self.step(s, None, &mut first_eval))
    }

    /// The mode held over the step that starts at state `s`: the outage that covers its start,
    /// the open-loop profile's segment, and the mode the last step's end decided (S_MODE, set by
    /// [`Self::set_initial_mode`] for the first step). Moves the state's outage and segment
    /// indices on to the step's start.
    fn step_mode(&self, s: &mut [f64]) -> StepMode {
        let t = s[S_T];
        let outage = self.in_outage(t, &mut s[S_OUT_IDX]);
        let mut held = Held::from_state(s);
        if self.model.guidance == GUIDE_OPEN_LOOP {
            let mut k = s[S_OL_IDX] as usize;
            if k + 1 < self.model.n_ol && t >= self.ol_segment(k + 1)[0] {
                k += 1;
                s[S_OL_IDX] = k as f64;
            }
            let seg = self.ol_segment(k);
            held.on = seg[1] != 0.0;
            held.ol_dir = [seg[2], seg[3], seg[4]];
            held.ol_throttle = seg[5];
        }
        let mut mode0 = s[S_MODE];
        if self.model.guidance == GUIDE_OPEN_LOOP {
            mode0 = mode_code((mode0 * 0.5).floor(), held.on);
        }
        s[S_MODE] = mode0;
        held.approach = mode0 >= APPROACH_MODE;
        let base = mode0 - if held.approach { APPROACH_MODE } else { 0.0 };
        let n_on = (base * 0.5).floor();
        let wants = base - 2.0 * n_on != 0.0;
        held.n_on = n_on;
        held.on = n_on > 0.0 && wants && !outage;
        StepMode {
            held,
            mode0,
            wants,
            outage,
        }
    }

    /// What the engines do from state `s` on, over the step that would start there (`s` itself
    /// is not changed): for the report's time histories (trajectories.parquet).
    pub fn engine_from(&self, s: &[f64]) -> EngineNow {
        let mut c = s.to_vec();
        let StepMode {
            held,
            wants,
            outage,
            ..
        } = self.step_mode(&mut c);
        let y: [f64; N_Y] = std::array::from_fn(|i| c[S_R + i]);
        let (r, v, m) = split(&y);
        // A flight that has ended takes no further step.
        let ended = s[S_STATUS] != ST_RUNNING as f64;
        let thrust = (!ended)
            .then(|| self.thrust(r, v, m, s[S_T], held))
            .flatten();
        let (thrust_n, mdot_kg_s) = thrust.map_or((0.0, 0.0), |(_, f, mdot)| (f, mdot));
        EngineNow {
            thrusters: held.n_on,
            thrust_n,
            mdot_kg_s,
            // Held on at no throttle: the approach law's coast near the comet.
            state: if ended {
                "ended"
            } else if thrust.is_some() {
                "thrust"
            } else if !wants || held.on {
                "coast"
            } else if held.n_on == 0.0 {
                "no power"
            } else {
                debug_assert!(outage);
                "outage"
            },
            approach: held.approach,
        }
    }

    /// One trial step (kept or not); true when the sample has finished. With `record`, a kept
    /// step appends its open-loop segment [t_start, on, direction at the step's middle in
    /// radial/transverse/normal]. `first_eval` carries the right-hand side that the previous
    /// trial evaluated last, for reuse as this step's first evaluation ([`FirstEval`]): start
    /// each sample with `None` and never share it between samples (it does not compare inputs).
    pub fn step(
        &self,
        s: &mut [f64],
        record: Option<&mut Vec<f64>>,
        first_eval: &mut Option<FirstEval>,
    ) -> bool {
        let dry = self.input[I_MASS0] - self.input[I_PROP0];
        if s[S_STATUS] != ST_RUNNING as f64 {
            return true;
        }
        let y0: [f64; N_Y] = std::array::from_fn(|i| s[S_R + i]);
        let t = s[S_T];
        let (r, v, m) = split(&y0);
        if !(y0.iter().all(|x| x.is_finite()) && m > 0.0) {
            s[S_STATUS] = ST_FAILED as f64;
            return true;
        }
        let first = s[S_STEPS] == 0.0 && s[S_REJECTED] == 0.0;
        if first && self.rendezvous(r, v, t) {
            s[S_STATUS] = ST_ARRIVED as f64;
            return true;
        }
        if first && m <= dry {
            s[S_STATUS] = ST_PROPELLANT_EXHAUSTED as f64;
            return true;
        }
        if t >= self.c(C_T_LIMIT) {
            s[S_STATUS] = ST_TIMEOUT as f64;
            return true;
        }
        if self.model.method.is_adaptive() && s[S_STEPS] + s[S_REJECTED] >= self.c(C_MAX_TRIALS) {
            s[S_STATUS] = ST_FAILED as f64;
            return true;
        }
        let StepMode {
            held,
            mode0,
            wants,
            outage,
        } = self.step_mode(s);
        let n_on = held.n_on;

        // The step: the controller's (or rk4's fixed one), ending exactly on the next stop.
        let rk4 = !self.model.method.is_adaptive();
        let mut hs = if rk4 {
            self.c(C_DT)
        } else {
            s[S_H].min(self.c(C_MAX_STEP))
        };
        let stop = self.next_stop(s, t, held.on);
        let cut = stop - t <= hs;
        if cut {
            hs = stop - t;
        }
        let sys = Rhs { sample: self, held };
        let f0 = match *first_eval {
            Some(fe) if fe.matches(t, &y0, held) => fe.f,
            _ => sys.rhs(t, &y0).0,
        };
        // A trial that is not kept is taken again from the same start, under the same mode.
        *first_eval = Some(FirstEval::new(t, y0, held, f0));
        let tol = Tolerance {
            rtol: self.c(C_RTOL),
            atol: self.c(C_ATOL),
        };
        let tr = trial(self.model.method, &sys, t, &y0, &f0, hs, tol);
        let finite = tr.y1.iter().chain(tr.f1.iter()).all(|x| x.is_finite());
        // The controller's memory is committed with the step (not on a cut-back below).
        let mut ctrl = Controller::resume(self.model.method, s[S_ERR_PREV]);
        let (mut accept, mut h_next) = (finite, hs);
        if !rk4 {
            (accept, h_next) = ctrl.decide(if finite { tr.err } else { ERR_NONFINITE }, hs);
        }
        if !accept {
            if rk4 || h_next < MIN_STEP_S {
                s[S_STATUS] = ST_FAILED as f64;
                // The step the control asked for, for the failure's reason.
                if !rk4 {
                    s[S_H] = h_next;
                }
                return true;
            }
            s[S_REJECTED] += 1.0;
            s[S_H] = h_next;
            return false;
        }
        let t1 = if cut { stop } else { t + hs };
        let reaching_switch = cut && stop == s[S_T_SWITCH];
        // The mode at the step's end; if it changed, locate the change: Illinois on the
        // effectivity when only the Q-law's wish changed across its cut, else bisection.
        let (mut mode1, eta1) = self.mode_at(&tr.y1, t1, held, wants);
        if !reaching_switch && mode1 != mode0 {
            let cut = self.cut(wants);
            let (g0, g1) = (s[S_ETA] - cut, eta1 - cut);
            let illinois = self.model.guidance == GUIDE_QLAW
                && !held.approach
                && (mode1 * 0.5).floor() == n_on
                && (g0 >= 0.0) != (g1 >= 0.0);
            let (mut hi, mut hi_mode) = (1.0, mode1);
            if illinois {
                let mut br = RootBracket::new(g0, g1);
                for _ in 0..SWITCH_ROOT_ITERATIONS {
                    let x = br.next();
                    let (_, e) = self.mode_at(&tr.dense(x), tr.t_at(x), held, wants);
                    br.update(x, e - cut);
                }
                hi = -(-br.next() * SWITCH_GRID).floor() / SWITCH_GRID;
            } else {
                let mut lo = 0.0;
                for _ in 0..SWITCH_BISECTIONS {
                    let x = 0.5 * (lo + hi);
                    let (md, _) = self.mode_at(&tr.dense(x), tr.t_at(x), held, wants);
                    if md != mode0 {
                        hi = x;
                        hi_mode = md;
                    } else {
                        lo = x;
                    }
                }
            }
            // Cut the step back to the change (not committed), or to the switch's floor when
            // the change is closer to the start (SWITCH_MIN_S for the Q-law's wish alone); a
            // step no longer than that is kept as it is.
            let t_cut = t + (hi * hs).max(switch_floor_s(mode0, hi_mode));
            if hi < 1.0 && t_cut < t1 {
                s[S_T_SWITCH] = t_cut;
                s[S_SW_MODE] = hi_mode;
                s[S_REJECTED] += 1.0;
                return false;
            }
        }
        if reaching_switch {
            mode1 = s[S_SW_MODE];
            s[S_T_SWITCH] = NO_SWITCH;
        }
        // The kept trial's last evaluation, f(t + hs, y1): the next step's first when it starts
        // there under the same mode.
        *first_eval = Some(FirstEval::new(t + hs, tr.y1, held, tr.f1));
        // End conditions inside the step, located on the dense output: rendezvous and
        // propellant exhaustion (the earlier one).
        let (mut th_end, mut status) = (1.0, ST_RUNNING);
        if self.rendezvous_y(&tr.y1, t1) {
            th_end = Self::first_hit(&tr, |y, tt| self.rendezvous_y(y, tt));
            status = ST_ARRIVED;
        } else if let Some(th) = self.rendezvous_inside(&tr, &y0) {
            th_end = th;
            status = ST_ARRIVED;
        }
        if tr.y1[6] <= dry {
            let th = Self::first_hit(&tr, |y, _| y[6] <= dry);
            if th < th_end {
                th_end = th;
                status = ST_PROPELLANT_EXHAUSTED;
            }
        }
        let (mut y1, t_end, h_done) = if status == ST_RUNNING {
            (tr.y1, t1, t1 - t)
        } else {
            (tr.dense(th_end), tr.t_at(th_end), th_end * hs)
        };
        // The bisection's bracket ends just past exhaustion (up to one bracket's flow, ~6e-8
        // kg, below the dry mass): the tank is empty there, so the mass is the dry mass.
        if status == ST_PROPELLANT_EXHAUSTED {
            y1[6] = dry;
        }
        // The orbit-match milestone: the first time the osculating orbit matches 311P's
        // (physics::qlaw::arrived), located on the dense output.
        if s[S_MATCH_T] < 0.0 && self.arrived_y(&y1) {
            let th = Self::first_hit(&tr, |y, _| self.arrived_y(y));
            s[S_MATCH_T] = tr.t_at(th.min(th_end));
        } else if s[S_MATCH_T] < 0.0 {
            if let Some(th) = self.match_inside(&tr, &y0, th_end) {
                s[S_MATCH_T] = tr.t_at(th);
            }
        }
        if let Some(rec) = record {
            let ym = tr.dense(0.5);
            let (rm, vm, mm) = split(&ym);
            // The direction and throttle commanded there (the approach law throttles).
            let (d, throttle) = self.command(rm, vm, mm, tr.t_at(0.5), held);
            let rh = unit(rm);
            let nh = unit(cross(rm, vm));
            let th = cross(nh, rh);
            rec.extend_from_slice(&[
                t,
                held.on as u8 as f64,
                dot(d, rh),
                dot(d, th),
                dot(d, nh),
                throttle,
            ]);
        }
        if held.on {
            s[S_THRUST_ON] += h_done;
        }
        if n_on > 0.0 && wants && outage {
            s[S_MISSED] += h_done;
        }
        // Closest approach to 311P: at the step's ends, and inside the step when the range
        // rate changes sign over it (`closest_in_step`).
        let d2 = |y: &[f64; N_Y], tt: f64| {
            let d = self.comet_distance([y[0], y[1], y[2]], tt);
            d * d
        };
        let range_rate = |y: &[f64; N_Y], tt: f64| {
            let (rc, vc) = self.comet_state(tt);
            let (r, v, _) = split(y);
            dot(add(r, rc, -1.0), add(v, vc, -1.0))
        };
        let inside = closest_in_step(range_rate(&y0, t), range_rate(&y1, t_end), |x| {
            d2(&tr.dense(x * th_end), t + x * h_done)
        });
        for (x, v) in [(0.0, d2(&y0, t)), (1.0, d2(&y1, t_end))]
            .into_iter()
            .chain(inside)
        {
            let d = v.sqrt();
            if d < s[S_CA_DIST] {
                s[S_CA_DIST] = d;
                s[S_CA_T] = t + x * h_done;
            }
        }
        let rn = norm([y1[0], y1[1], y1[2]]);
        s[S_RMIN] = s[S_RMIN].min(rn);
        s[S_RMAX] = s[S_RMAX].max(rn);
        s[S_R..S_R + N_Y].copy_from_slice(&y1);
        s[S_T] = t_end;
        s[S_MODE] = mode1;
        s[S_ETA] = eta1;
        s[S_STEPS] += 1.0;
        // The phase to gain, unwrapped at the step's end.
        let cs = self.phase_cs([y1[0], y1[1], y1[2]], t_end);
        s[S_PSI] = unwrap_phase(cs, held);
        s[S_PH_C..S_PH_C + 2].copy_from_slice(&cs);
        if !rk4 {
            s[S_ERR_PREV] = ctrl.err_prev;
            s[S_H] = h_next;
        }
        if status != ST_RUNNING {
            s[S_STATUS] = status as f64;
            return true;
        }
        false
    }
}

/// Fly the undispersed closed-loop (Q-law) cruise on the CPU reference and keep its command of
/// every step in the model's constants; dispersed samples then replay it (open-loop guidance):
/// segments [t_start, on, direction at the step's middle in radial/transverse/normal, throttle
/// there], then a last coasting segment from the end of the flight.
pub fn record_open_loop(model: &mut Model) -> Vec<f64> {
    let mut input = vec![0.0; model.input_len()];
    let nominal = model.nominal;
    model.pack_input(0, 0, &nominal, None, &mut input);
    let mut state = vec![0.0; STATE_LEN];
    Model::initial_state(&input, &mut state);
    let mut profile = Vec::new();
    {
        let sample = CruiseSample {
            model,
            input: &input,
        };
        sample.set_initial_mode(&mut state);
        let mut first_eval = None;
        while !sample.step(&mut state, Some(&mut profile), &mut first_eval) {}
    }
    profile.extend_from_slice(&[state[S_T], 0.0, 0.0, 0.0, 0.0, 0.0]);
    model.off_ol = model.consts.len();
    model.n_ol = profile.len() / OL_ROW;
    model.consts.extend(profile);
    model.guidance = GUIDE_OPEN_LOOP;
    state
}
