//! The cruise model of the f64 CPU reference engine: heliocentric point mass, Sun + tabulated
//! third bodies, solar-electric thrust with outages and noise, guidance; classical RK4 with the
//! engine state (on/off, Q-law direction) held over each step. The shader twin is
//! shaders/cruise.wgsl; both read the same constants and input rows (scenario::cruise::layout).

use super::layout::*;
use super::model::*;
use super::PowerModel;
use crate::physics::qlaw::{arrived, qlaw_direction};
use crate::physics::vec3::{add, cross, dot, norm, unit};

/// One sample's view of the cruise model.
pub struct CruiseSample<'a> {
    pub model: &'a Model,
    pub input: &'a [f64],
}

/// What the engine does over one step.
#[derive(Debug, Clone, Copy)]
struct Command {
    on: bool,
    /// Held inertial direction (Q-law, inertial); None: along the velocity (tangential).
    dir: Option<[f64; 3]>,
}

impl CruiseSample<'_> {
    fn c(&self, i: usize) -> f64 {
        self.model.consts[i]
    }

    /// Position of perturbing body `b` at time t: cubic Hermite between the table's nodes.
    pub fn body_position(&self, b: usize, t: f64) -> [f64; 3] {
        let m = self.model;
        let h = self.c(C_EPH_DT);
        let u = t / h;
        let k = u.floor().clamp(0.0, (m.n_eph - 2) as f64);
        let s = u - k;
        let base = m.off_eph + 6 * (b * m.n_eph + k as usize);
        let t = &self.model.consts[base..base + 12];
        let (s2, s3) = (s * s, s * s * s);
        let h00 = 2.0 * s3 - 3.0 * s2 + 1.0;
        let h10 = s3 - 2.0 * s2 + s;
        let h01 = -2.0 * s3 + 3.0 * s2;
        let h11 = s3 - s2;
        let mut p = [0.0; 3];
        for i in 0..3 {
            p[i] = h00 * t[i] + h10 * h * t[3 + i] + h01 * t[6 + i] + h11 * h * t[9 + i];
        }
        p
    }

    /// Gravity of the Sun and the perturbing bodies (with the indirect term) [m/s^2].
    pub fn gravity(&self, r: [f64; 3], t: f64) -> [f64; 3] {
        let rn = norm(r);
        let mut a = [0.0; 3];
        a = add(a, r, -self.c(C_SUN_MU) / (rn * rn * rn));
        for b in 0..self.model.bodies.len() {
            let rb = self.body_position(b, t);
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
    /// most one per step (an outage shorter than a step may be stepped over, identically on
    /// every engine). No loop: the WGSL twin's loop over the outages was miscompiled.
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

    /// Derivatives of r and v, and the mass flow, under a held command.
    fn deriv(
        &self,
        r: [f64; 3],
        v: [f64; 3],
        m: f64,
        t: f64,
        cmd: Command,
    ) -> ([f64; 3], [f64; 3], f64) {
        let mut a = self.gravity(r, t);
        let mut mdot = 0.0;
        if cmd.on {
            let n_on = self.thrusters_on(r, t);
            let duty = self.input[I_DUTY];
            let thrust = n_on * self.input[I_THRUST] * duty * (1.0 + self.thrust_noise(t));
            mdot = n_on * self.input[I_MDOT] * duty;
            let dir = self.point(cmd.dir.unwrap_or_else(|| unit(v)));
            a = add(a, dir, thrust / m);
        }
        (v, a, mdot)
    }

    /// The osculating orbit matches the target's within the tolerances: physics::qlaw::arrived,
    /// the one formulation that the tests check (the shader calls its twin, qlaw_arrived).
    fn arrived(&self, r: [f64; 3], v: [f64; 3]) -> bool {
        arrived(
            r,
            v,
            self.c(C_SUN_MU),
            &self.model.arrival,
            self.c(C_TOL_A),
            self.c(C_TOL_E),
            self.c(C_COS_TOL_I),
        )
    }

    /// Distance to 311P at t [m] (311P's positions follow the perturbers in the table).
    pub fn comet_distance(&self, r: [f64; 3], t: f64) -> f64 {
        norm(add(r, self.body_position(self.model.bodies.len(), t), -1.0))
    }

    /// The guidance command at a step start: (wants thrust, held inertial direction or None
    /// for along the velocity).
    fn guidance(
        &self,
        r: [f64; 3],
        v: [f64; 3],
        m: f64,
        t: f64,
        n_on: f64,
    ) -> (bool, Option<[f64; 3]>) {
        match self.model.guidance {
            GUIDE_TANGENTIAL => (true, None),
            GUIDE_INERTIAL => (
                true,
                Some([self.c(C_DIR), self.c(C_DIR + 1), self.c(C_DIR + 2)]),
            ),
            GUIDE_OPEN_LOOP => {
                // Replay the nominal's command of this step, in its radial/transverse/normal frame.
                let k = (t / self.c(C_DT)).round() as usize;
                if k >= self.model.n_ol {
                    return (false, None);
                }
                let e =
                    &self.model.consts[self.model.off_ol + 4 * k..self.model.off_ol + 4 * k + 4];
                let rh = unit(r);
                let nh = unit(cross(r, v));
                let th = cross(nh, rh);
                let dir = add(add(rh.map(|x| x * e[1]), th, e[2]), nh, e[3]);
                (e[0] != 0.0, Some(dir))
            }
            _ => {
                let params = self
                    .model
                    .qlaw
                    .as_ref()
                    .expect("Q-law guidance has its tuning");
                let accel = n_on * self.input[I_THRUST] * self.input[I_DUTY] / m;
                let target = &self.model.arrival;
                let d = qlaw_direction(r, v, self.c(C_SUN_MU), accel.max(1e-12), target, params);
                (d.thrust, Some(d.direction_inertial))
            }
        }
    }

    /// Advance by at most `max_steps`; true when finished.
    pub fn advance(&self, s: &mut [f64], max_steps: u64) -> bool {
        (0..max_steps).any(|_| self.step(s, None))
    }

    /// One step; true when the sample has finished. With `record`, the step's command is
    /// appended as [on, direction in radial/transverse/normal] (for the open-loop profile).
    pub fn step(&self, s: &mut [f64], record: Option<&mut Vec<f64>>) -> bool {
        let dry = self.input[I_MASS0] - self.input[I_PROP0];
        if s[S_STATUS] != ST_RUNNING as f64 {
            return true;
        }
        let r = [s[S_R], s[S_R + 1], s[S_R + 2]];
        let v = [s[S_V], s[S_V + 1], s[S_V + 2]];
        let (m, t) = (s[S_M], s[S_T]);
        if !(r.iter().chain(v.iter()).all(|x| x.is_finite()) && m.is_finite() && m > 0.0) {
            s[S_STATUS] = ST_FAILED as f64;
            return true;
        }
        let rn = norm(r);
        s[S_RMIN] = s[S_RMIN].min(rn);
        s[S_RMAX] = s[S_RMAX].max(rn);
        let dc = self.comet_distance(r, t);
        if dc < s[S_CA_DIST] {
            s[S_CA_DIST] = dc;
            s[S_CA_T] = t;
        }
        if self.arrived(r, v) {
            s[S_STATUS] = ST_ARRIVED as f64;
            return true;
        }
        if m <= dry {
            s[S_STATUS] = ST_PROPELLANT_EXHAUSTED as f64;
            return true;
        }
        if t >= self.c(C_T_LIMIT) {
            s[S_STATUS] = ST_TIMEOUT as f64;
            return true;
        }
        // The command for this step, decided at its start.
        let n_on = self.thrusters_on(r, t);
        let powered = n_on > 0.0;
        let (wants, dir) = self.guidance(r, v, m, t, n_on);
        let outage = self.in_outage(t, &mut s[S_OUT_IDX]);
        let on = powered && wants && !outage;
        if let Some(rec) = record {
            let d = dir.unwrap_or_else(|| unit(v));
            let rh = unit(r);
            let nh = unit(cross(r, v));
            let th = cross(nh, rh);
            rec.extend_from_slice(&[on as u8 as f64, dot(d, rh), dot(d, th), dot(d, nh)]);
        }
        let dt = self.c(C_DT);
        if powered && wants && outage {
            s[S_MISSED] += dt;
        }
        if on {
            s[S_THRUST_ON] += dt;
        }
        let cmd = Command { on, dir };
        // RK4 on (r, v, m).
        let h = dt / 2.0;
        let k1 = self.deriv(r, v, m, t, cmd);
        let k2 = self.deriv(add(r, k1.0, h), add(v, k1.1, h), m - h * k1.2, t + h, cmd);
        let k3 = self.deriv(add(r, k2.0, h), add(v, k2.1, h), m - h * k2.2, t + h, cmd);
        let k4 = self.deriv(
            add(r, k3.0, dt),
            add(v, k3.1, dt),
            m - dt * k3.2,
            t + dt,
            cmd,
        );
        let c = dt / 6.0;
        for i in 0..3 {
            s[S_R + i] = r[i] + c * (k1.0[i] + 2.0 * k2.0[i] + 2.0 * k3.0[i] + k4.0[i]);
            s[S_V + i] = v[i] + c * (k1.1[i] + 2.0 * k2.1[i] + 2.0 * k3.1[i] + k4.1[i]);
        }
        s[S_M] = m - c * (k1.2 + 2.0 * k2.2 + 2.0 * k3.2 + k4.2);
        s[S_T] = t + dt;
        s[S_STEPS] += 1.0;
        false
    }
}

/// Fly the undispersed closed-loop (Q-law) cruise on the CPU reference and keep its command of
/// every step in the model's constants; dispersed samples then replay it (open-loop guidance).
pub fn record_open_loop(model: &mut Model) {
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
        while !sample.step(&mut state, Some(&mut profile)) {}
    }
    model.off_ol = model.consts.len();
    model.n_ol = profile.len() / 4;
    model.consts.extend(profile);
    model.guidance = GUIDE_OPEN_LOOP;
}
