//! The reentry model of the f64 CPU reference engine.
//!
//! Written independently of `shaders/reentry.wgsl` (same physics, same integrator and event
//! rules, so the two agree to rounding): altitude by Bowring's iteration with `atan2`, `exp` and
//! `ln` from Rust's libm, tables interpolated by the shared host rule.

use crate::physics::atmosphere::uniform_lerp;
use crate::physics::geodesy::cartesian_to_geodetic_m;
use crate::physics::vec3::{cross, dot, norm, scale};
use crate::scenario::reentry::*;

/// Aerodynamic and heating quantities at one state.
#[derive(Debug, Clone, Copy)]
pub struct Aux {
    pub alt_m: f64,
    pub mach: f64,
    pub qdyn_pa: f64,
    pub g_load: f64,
    pub q_conv_w_cm2: f64,
    pub q_rad_w_cm2: f64,
}

/// State derivative: velocity, acceleration, heat flux; plus the auxiliary quantities.
#[derive(Debug, Clone, Copy)]
pub struct Deriv {
    pub dr: [f64; 3],
    pub dv: [f64; 3],
    pub dq: f64,
    pub aux: Aux,
}

/// One sample's view of the model: constants, tables and its input row.
pub struct SampleModel<'a> {
    pub model: &'a Model,
    pub input: &'a [f64],
}

impl SampleModel<'_> {
    fn c(&self, i: usize) -> f64 {
        self.model.consts[i]
    }

    pub fn altitude_m(&self, r: &[f64; 3]) -> f64 {
        cartesian_to_geodetic_m(*r, self.input[I_AEQ], self.c(C_E2)).2
    }

    /// ln(density) [ln kg/m^3] and speed of sound [m/s] at geodetic altitude h.
    pub fn atmosphere(&self, h: f64) -> (f64, f64) {
        let m = self.model;
        let (ln_rho, a) = if m.atm_model == ATM_EXPONENTIAL {
            (
                self.input[I_LN_RHO0] - h * self.input[I_INV_H],
                self.input[I_A_EXP],
            )
        } else {
            let (h0, dh, n) = (self.c(C_ATM_H0), self.c(C_ATM_DH), m.n_atm);
            let t = &m.consts[m.off_atm..];
            let ln_rho = if h > self.c(C_ATM_TOP) {
                LN_ZERO
            } else {
                uniform_lerp(h, h0, dh, n, |i| t[2 * i])
            };
            (ln_rho, uniform_lerp(h, h0, dh, n, |i| t[2 * i + 1]))
        };
        let n_pert = m.n_pert();
        let pert = if n_pert > 0 {
            let dh = self.c(C_PERT_DH);
            let hc = h.clamp(0.0, (n_pert - 1) as f64 * dh);
            uniform_lerp(hc, 0.0, dh, n_pert, |i| self.input[I_PERT + i])
        } else {
            0.0
        };
        (ln_rho + self.input[I_LN_DSCALE] + pert, a)
    }

    fn cd(&self, mach: f64) -> f64 {
        let m = self.model;
        let base = if m.cd_mode == CD_TABLE {
            let t = &m.consts[m.off_cd..m.off_cd + 2 * m.n_cd];
            piecewise_linear_held(mach, m.n_cd, |i| t[2 * i], |i| t[2 * i + 1])
        } else {
            self.input[I_CD]
        };
        base * self.input[I_CD_SCALE]
    }

    fn tauber_sutton_f(&self, v: f64) -> f64 {
        let m = self.model;
        let t = &m.consts[m.off_ts..m.off_ts + 2 * m.n_ts];
        piecewise_linear_held(v, m.n_ts, |i| t[2 * i], |i| t[2 * i + 1])
    }

    /// Equations of motion and heating at (r, v).
    pub fn deriv(&self, r: &[f64; 3], v: &[f64; 3]) -> Deriv {
        let inp = self.input;
        let alt = self.altitude_m(r);
        let (ln_rho, a_sound) = self.atmosphere(alt);
        let rho = if ln_rho < -700.0 { 0.0 } else { ln_rho.exp() };
        let w = self.c(C_OMEGA);
        let vrel = [v[0] + w * r[1], v[1] - w * r[0], v[2]];
        let speed = norm(vrel);
        let mach = speed / a_sound;
        let qdyn = 0.5 * rho * speed * speed;
        let drag = qdyn * self.cd(mach) * inp[I_AREA] / inp[I_MASS];
        let ld = inp[I_LD];
        let mut acc = [0.0; 3];
        if speed > 0.0 {
            let vhat = scale(vrel, 1.0 / speed);
            for k in 0..3 {
                acc[k] = -drag * vhat[k];
            }
            if ld != 0.0 {
                let n = cross(*r, vrel);
                let nhat = scale(n, 1.0 / norm(n));
                let lift_up = cross(vhat, nhat);
                let (cb, sb) = (inp[I_COS_BANK], inp[I_SIN_BANK]);
                for k in 0..3 {
                    // Positive bank turns the lift to the right of the air-relative velocity.
                    acc[k] += ld * drag * (cb * lift_up[k] - sb * nhat[k]);
                }
            }
        }
        let g = gravity(r, inp[I_MU], inp[I_AEQ], self.c(C_J2));
        for k in 0..3 {
            acc[k] += g[k];
        }
        // Sutton-Graves convective stagnation heating, W/m^2 -> W/cm^2.
        let q_conv = self.c(C_SG_K) * (rho / inp[I_RN]).sqrt() * speed.powi(3) * 1e-4;
        // Tauber-Sutton radiative heating [W/cm^2].
        let q_rad = if speed > 9000.0 && rho > 0.0 {
            let a_exp = 1.072e6 * (-1.88 * speed.ln() - 0.325 * ln_rho).exp();
            let rn = inp[I_RN];
            let cap = if rn < 1.0 {
                1.0
            } else if rn < 2.0 {
                0.6
            } else {
                0.5
            };
            let a_exp = a_exp.min(cap);
            self.c(C_TS_C)
                * (a_exp * inp[I_LN_RN] + 1.22 * ln_rho).exp()
                * self.tauber_sutton_f(speed)
        } else {
            0.0
        };
        let g_load = drag * (1.0 + ld * ld).sqrt() / self.c(C_G0);
        Deriv {
            dr: *v,
            dv: acc,
            dq: q_conv + q_rad,
            aux: Aux {
                alt_m: alt,
                mach,
                qdyn_pa: qdyn,
                g_load,
                q_conv_w_cm2: q_conv,
                q_rad_w_cm2: q_rad,
            },
        }
    }

    /// One classical RK4 step of length dt from (r, v, q), given k1 = deriv at the start.
    pub fn rk4(
        &self,
        r: &[f64; 3],
        v: &[f64; 3],
        k1: &Deriv,
        dt: f64,
    ) -> ([f64; 3], [f64; 3], f64) {
        let at = |k: &Deriv, h: f64| {
            let mut rr = *r;
            let mut vv = *v;
            for i in 0..3 {
                rr[i] += h * k.dr[i];
                vv[i] += h * k.dv[i];
            }
            self.deriv(&rr, &vv)
        };
        let k2 = at(k1, 0.5 * dt);
        let k3 = at(&k2, 0.5 * dt);
        let k4 = at(&k3, dt);
        let mut rn = *r;
        let mut vn = *v;
        for i in 0..3 {
            rn[i] += dt / 6.0 * (k1.dr[i] + 2.0 * k2.dr[i] + 2.0 * k3.dr[i] + k4.dr[i]);
            vn[i] += dt / 6.0 * (k1.dv[i] + 2.0 * k2.dv[i] + 2.0 * k3.dv[i] + k4.dv[i]);
        }
        (
            rn,
            vn,
            dt / 6.0 * (k1.dq + 2.0 * k2.dq + 2.0 * k3.dq + k4.dq),
        )
    }

    /// Advance one sample's state row by at most `max_steps` steps; returns true when finished.
    pub fn advance(&self, s: &mut [f64], max_steps: u64) -> bool {
        for _ in 0..max_steps {
            if s[S_STATUS] != ST_RUNNING as f64 {
                return true;
            }
            let r = [s[S_R], s[S_R + 1], s[S_R + 2]];
            let v = [s[S_V], s[S_V + 1], s[S_V + 2]];
            let t = s[S_T];
            let k1 = self.deriv(&r, &v);
            let x = &k1.aux;
            let finite = r
                .iter()
                .chain(v.iter())
                .chain(k1.dv.iter())
                .all(|c| c.is_finite())
                && x.alt_m.is_finite()
                && k1.dq.is_finite();
            if !finite {
                s[S_STATUS] = ST_FAILED as f64;
                return true;
            }
            track_peaks(s, x, t);
            let drogue_mach = self.input[I_DROGUE_MACH];
            if s[S_DROGUE_DONE] == 0.0 && x.mach <= drogue_mach {
                let (alt, q) = if t == 0.0 {
                    (x.alt_m, x.qdyn_pa)
                } else {
                    let f = (s[S_PREV_MACH] - drogue_mach) / (s[S_PREV_MACH] - x.mach);
                    (
                        s[S_PREV_ALT] + f * (x.alt_m - s[S_PREV_ALT]),
                        s[S_PREV_QDYN] + f * (x.qdyn_pa - s[S_PREV_QDYN]),
                    )
                };
                s[S_DROGUE_ALT] = alt;
                s[S_DROGUE_QDYN] = q;
                s[S_DROGUE_DONE] = 1.0;
            }
            s[S_PREV_MACH] = x.mach;
            s[S_PREV_ALT] = x.alt_m;
            s[S_PREV_QDYN] = x.qdyn_pa;
            if x.alt_m > self.input[I_H_ENTRY] && dot(r, v) > 0.0 {
                s[S_STATUS] = ST_SKIPPED_OUT as f64;
                return true;
            }
            if t >= self.c(C_T_LIMIT) {
                s[S_STATUS] = ST_TIMEOUT as f64;
                return true;
            }
            let dt = if s[S_DROGUE_DONE] != 0.0 {
                self.c(C_DT_DESCENT)
            } else {
                self.c(C_DT)
            };
            let (mut r1, mut v1, mut dq) = self.rk4(&r, &v, &k1, dt);
            let mut h1 = self.altitude_m(&r1);
            let mut tau = dt;
            if h1 <= 0.0 {
                // Regula falsi on the step length for the zero-altitude crossing.
                let (mut ta, mut ha, mut tb, mut hb) = (0.0, x.alt_m, dt, h1);
                for _ in 0..4 {
                    tau = ta + (tb - ta) * ha / (ha - hb);
                    (r1, v1, dq) = self.rk4(&r, &v, &k1, tau);
                    h1 = self.altitude_m(&r1);
                    if h1 > 0.0 {
                        (ta, ha) = (tau, h1);
                    } else {
                        (tb, hb) = (tau, h1);
                    }
                }
                s[S_STATUS] = ST_LANDED as f64;
            }
            s[S_R..S_R + 3].copy_from_slice(&r1);
            s[S_V..S_V + 3].copy_from_slice(&v1);
            s[S_T] = t + tau;
            s[S_HEAT_LOAD] += dq;
            s[S_STEPS] += 1.0;
        }
        s[S_STATUS] != ST_RUNNING as f64
    }
}

fn track_peaks(s: &mut [f64], x: &Aux, t: f64) {
    if x.g_load > s[S_PEAK_G] {
        s[S_PEAK_G] = x.g_load;
        s[S_T_PEAK_G] = t;
    }
    let q = x.q_conv_w_cm2 + x.q_rad_w_cm2;
    if q > s[S_PEAK_Q] {
        s[S_PEAK_Q] = q;
        s[S_T_PEAK_Q] = t;
    }
    s[S_PEAK_QC] = s[S_PEAK_QC].max(x.q_conv_w_cm2);
    s[S_PEAK_QR] = s[S_PEAK_QR].max(x.q_rad_w_cm2);
}

/// Point mass + J2 gravity [m/s^2] (J2 = 0 gives the point mass).
pub fn gravity(r: &[f64; 3], mu: f64, re: f64, j2: f64) -> [f64; 3] {
    let r2 = dot(*r, *r);
    let rn = r2.sqrt();
    let k = -mu / (r2 * rn);
    let zz = r[2] * r[2] / r2;
    let c = 1.5 * j2 * re * re / r2;
    [
        k * r[0] * (1.0 - c * (5.0 * zz - 1.0)),
        k * r[1] * (1.0 - c * (5.0 * zz - 1.0)),
        k * r[2] * (1.0 - c * (5.0 * zz - 3.0)),
    ]
}

/// Linear interpolation in an ascending table, held constant beyond its ends.
fn piecewise_linear_held(
    x: f64,
    n: usize,
    xs: impl Fn(usize) -> f64,
    ys: impl Fn(usize) -> f64,
) -> f64 {
    if x <= xs(0) {
        return ys(0);
    }
    for i in 1..n {
        if x < xs(i) {
            let f = (x - xs(i - 1)) / (xs(i) - xs(i - 1));
            return ys(i - 1) + f * (ys(i) - ys(i - 1));
        }
    }
    ys(n - 1)
}
