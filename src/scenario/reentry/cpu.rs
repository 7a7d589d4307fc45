//! The reentry model of the f64 CPU reference engine: right-hand side, events and peaks.
//!
//! Written independently of `shaders/reentry.wgsl` (same physics, same integrator and event
//! rules, so the two agree to rounding): `exp` and `ln` from Rust's libm; the geodetic altitude
//! by the shader's own one-step formula (`physics::geodesy::geodetic_frame`, so that its last
//! bits cannot put the engines on different steps: docs/DESIGN.md, "The same steps on both
//! engines"), the Cd and Tauber-Sutton tables interpolated as given
//! (`physics::table::held`), the atmosphere by the shared host rule. The integrator itself is
//! `crate::integrator`, shared with every scenario.

use super::layout::*;
use super::model::{Model, ATM_EXPONENTIAL, CD_TABLE};
use crate::integrator::{self, locate_root, max_in_window, Method, System, Trial, ERR_NONFINITE};
use crate::physics::atmosphere::{natural_spline, uniform_cubic, uniform_lerp};
use crate::physics::constants::{TAUBER_SUTTON_F, TAUBER_SUTTON_V_M_S};
use crate::physics::geodesy::geodetic_frame;
use crate::physics::table;
use crate::physics::vec3::{cross, dot, norm, scale};

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
        self.geodetic(r).0
    }

    /// Altitude [m] and the cosine and sine of the geodetic latitude (of the inertial position:
    /// the local directions are the same), as the shader computes them
    /// ([`geodetic_frame`]: the same bits on both engines).
    fn geodetic(&self, r: &[f64; 3]) -> (f64, f64, f64) {
        geodetic_frame(
            *r,
            self.input[I_AEQ],
            self.c(C_E2),
            self.c(C_E2_B),
            self.c(C_E2_EP),
        )
    }

    /// The wind [m/s] at r, of geodetic latitude (cos, sin) = (cp, sp) and altitude h,
    /// inertial: the sample's east and north profiles (natural splines through their nodes,
    /// held outside) along the local east and north (the longitude's cosine and sine from r,
    /// as the shader's `air_at_lag`).
    pub fn wind_at(&self, r: &[f64; 3], cp: f64, sp: f64, h: f64) -> [f64; 3] {
        let n = self.model.n_wind();
        if n == 0 {
            return [0.0; 3];
        }
        let b = self.model.wind_offset();
        let u = h / self.c(C_WIND_DH);
        // Node after node: east, its second derivative, north, its second derivative.
        let nodes = &self.input[b..b + 4 * n];
        let east = natural_spline(u, n, |i| nodes[4 * i], |i| nodes[4 * i + 1]);
        let north = natural_spline(u, n, |i| nodes[4 * i + 2], |i| nodes[4 * i + 3]);
        let inv_rxy = 1.0 / (r[0] * r[0] + r[1] * r[1]).sqrt();
        let cl = r[0] * inv_rxy;
        let sl = r[1] * inv_rxy;
        [
            -sl * east - sp * cl * north,
            cl * east - sp * sl * north,
            cp * north,
        ]
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
                uniform_cubic(h, h0, dh, n, |i| t[2 * i])
            };
            (ln_rho, uniform_lerp(h, h0, dh, n, |i| t[2 * i + 1]))
        };
        let n_pert = m.n_pert();
        let pert = if n_pert > 0 {
            let dh = self.c(C_PERT_DH);
            // Segment after segment: lower node's value and second derivative, then the
            // upper node's; node i is the lower node of segment i, the last the upper of the
            // last segment.
            let at = m.pert_offset();
            let segs = &self.input[at..at + 4 * (n_pert - 1)];
            let node = |i: usize| 4 * i.min(n_pert - 2) + if i == n_pert - 1 { 2 } else { 0 };
            natural_spline(h / dh, n_pert, |i| segs[node(i)], |i| segs[node(i) + 1])
        } else {
            0.0
        };
        (ln_rho + self.input[I_LN_DSCALE] + pert, a)
    }

    fn cd(&self, mach: f64) -> f64 {
        let m = self.model;
        let base = if m.cd_mode == CD_TABLE {
            table::held(mach, &m.cd_mach, &m.cd_values)
        } else {
            self.input[I_CD]
        };
        base * self.input[I_CD_SCALE]
    }

    fn tauber_sutton_f(&self, v: f64) -> f64 {
        table::held(v, &TAUBER_SUTTON_V_M_S, &TAUBER_SUTTON_F)
    }

    /// Equations of motion and heating at (r, v), without a canopy.
    pub fn deriv(&self, r: &[f64; 3], v: &[f64; 3]) -> Deriv {
        self.deriv_in(r, v, Canopy::NONE)
    }

    /// The canopy flown in canopy mode `chute` (CH_*).
    pub fn canopy(&self, chute: u32) -> Canopy {
        Canopy {
            cda: match chute {
                CH_DROGUE => self.input[I_DROGUE_CDA],
                CH_MAIN | CH_MAIN_QS => self.input[I_MAIN_CDA],
                _ => 0.0,
            },
            quasi_steady: chute == CH_MAIN_QS,
        }
    }

    /// Air velocity at r (geodetic latitude's cosine and sine, altitude h): the Earth's
    /// rotation (the inertial frame is Earth-fixed at t = 0) plus the wind.
    fn air_at_geodetic(&self, r: &[f64; 3], cp: f64, sp: f64, h: f64) -> [f64; 3] {
        let w = self.c(C_OMEGA);
        let wind = self.wind_at(r, cp, sp, h);
        [-w * r[1] + wind[0], w * r[0] + wind[1], wind[2]]
    }

    /// Equations of motion and heating at (r, v) under a canopy. Quasi-steady: the velocity is
    /// the air's plus the terminal fall along the effective gravity, and the state's v stays
    /// as it was when the fall became quasi-steady (its derivative is zero; layout
    /// QS_SETTLE_S). The body's Cd (1 % of the drag area under a main) is then taken at the
    /// Mach number of that v relative to the air, within ~1e-3 of the terminal fall's.
    pub fn deriv_in(&self, r: &[f64; 3], v: &[f64; 3], canopy: Canopy) -> Deriv {
        let inp = self.input;
        let (alt, cp, sp) = self.geodetic(r);
        let (ln_rho, a_sound) = self.atmosphere(alt);
        let rho = if ln_rho < -700.0 { 0.0 } else { ln_rho.exp() };
        // A quasi-steady canopy carries the wind V_t^2 / g = 2 m / (rho CdA) above it (~2 m):
        // its horizontal velocity relaxes to the air's at the rate g / V_t, so as it sinks at
        // V_t it lags the wind's change with altitude by V_t / g seconds. (Without the lag, a
        // 5.6 m/s change over the main's descent moved the landing 2.8 m.)
        let lag = if canopy.quasi_steady {
            2.0 * inp[I_MASS] / (rho * canopy.cda)
        } else {
            0.0
        };
        let air = self.air_at_geodetic(r, cp, sp, alt + lag);
        let vrel = [v[0] - air[0], v[1] - air[1], v[2] - air[2]];
        let speed = norm(vrel);
        let mach = speed / a_sound;
        let qdyn = 0.5 * rho * speed * speed;
        let cd = self.cd(mach);
        let g = gravity(r, inp[I_MU], inp[I_AEQ], self.c(C_J2));
        if canopy.quasi_steady {
            let (g_dir, g_mag) = self.effective_gravity(r, g);
            let vt = (2.0 * inp[I_MASS] * g_mag / (rho * (cd * inp[I_AREA] + canopy.cda))).sqrt();
            let mut dr = [0.0; 3];
            for k in 0..3 {
                dr[k] = air[k] + vt * g_dir[k];
            }
            let q_conv = self.convective_heat_flux(rho, inp[I_RN], vt);
            return Deriv {
                dr,
                dv: [0.0; 3],
                dq: q_conv,
                aux: Aux {
                    alt_m: alt,
                    mach: vt / a_sound,
                    qdyn_pa: 0.5 * rho * vt * vt,
                    g_load: g_mag / self.c(C_G0),
                    q_conv_w_cm2: q_conv,
                    q_rad_w_cm2: 0.0,
                },
            };
        }
        let drag_body = qdyn * cd * inp[I_AREA] / inp[I_MASS];
        let drag = drag_body + qdyn * canopy.cda / inp[I_MASS];
        // The body's lift is its hypersonic trim's: once a canopy opens, the capsule hangs
        // from its riser and flies none. (Its direction, from the plane of r and the relative
        // velocity, is also undefined in the near-vertical fall beneath a canopy, where a
        // constant bank with the lift below the horizon chattered about the vertical and took
        // ten times the steps.)
        let mut ld = if canopy.cda > 0.0 { 0.0 } else { inp[I_LD] };
        let mut acc = [0.0; 3];
        if speed > 0.0 {
            let vhat = scale(vrel, 1.0 / speed);
            for k in 0..3 {
                acc[k] = -drag * vhat[k];
            }
            if ld != 0.0 {
                let n = cross(*r, vrel);
                let n_len = norm(n);
                let nhat = scale(n, 1.0 / n_len.max(1e-30));
                let lift_up = cross(vhat, nhat);
                // Faded within 10 deg of vertical flight (layout LIFT_FADE_SIN): |n| / (|r| V)
                // is the sine of the angle between r and the relative velocity.
                ld *= (n_len / (norm(*r) * speed * LIFT_FADE_SIN)).min(1.0);
                let (cb, sb) = (inp[I_COS_BANK], inp[I_SIN_BANK]);
                for k in 0..3 {
                    // Positive bank turns the lift to the right of the air-relative velocity.
                    acc[k] += ld * drag_body * (cb * lift_up[k] - sb * nhat[k]);
                }
            }
        }
        for k in 0..3 {
            acc[k] += g[k];
        }
        let q_conv = self.convective_heat_flux(rho, inp[I_RN], speed);
        // Tauber-Sutton radiative heating [W/cm^2].
        let q_rad = if speed > TAUBER_SUTTON_V_M_S[0] && rho > 0.0 {
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
        let lift = ld * drag_body;
        let g_load = (drag * drag + lift * lift).sqrt() / self.c(C_G0);
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

    /// Convective stagnation heating [W/cm^2]: Sutton-Graves, K sqrt(rho / Rn) V^3 1e-4, or
    /// Detra-Kemp-Riddell, K sqrt(rho / Rn) (V / V_c)^3.15 1e-4 (`shaders/heating.wgsl`).
    fn convective_heat_flux(&self, rho: f64, rn: f64, v: f64) -> f64 {
        let f = if self.model.conv_pow {
            if v > 0.0 {
                (self.c(C_CONV_N) * (v / self.c(C_CONV_V)).ln()).exp()
            } else {
                0.0
            }
        } else {
            v.powi(3)
        };
        self.c(C_CONV_K) * (rho / rn).sqrt() * f * 1e-4
    }

    /// Gravity `g` plus the centrifugal acceleration of the Earth's rotation at r: direction and
    /// magnitude [m/s^2]. A canopy in steady fall relative to the turning air balances it.
    pub fn effective_gravity(&self, r: &[f64; 3], g: [f64; 3]) -> ([f64; 3], f64) {
        let w2 = self.c(C_OMEGA) * self.c(C_OMEGA);
        let ge = [g[0] + w2 * r[0], g[1] + w2 * r[1], g[2]];
        let m = norm(ge);
        (scale(ge, 1.0 / m), m)
    }
}

/// The canopy over a step: its drag area, and whether the fall is flown quasi-steadily.
#[derive(Debug, Clone, Copy)]
pub struct Canopy {
    pub cda: f64,
    pub quasi_steady: bool,
}

impl Canopy {
    pub const NONE: Canopy = Canopy {
        cda: 0.0,
        quasi_steady: false,
    };
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

/// One sample flown under one canopy: the system the integrator steps.
pub struct Flight<'a> {
    pub sample: &'a SampleModel<'a>,
    pub canopy: Canopy,
}

impl System<N_Y> for Flight<'_> {
    type Aux = Aux;
    fn rhs(&self, _t: f64, y: &[f64; N_Y]) -> ([f64; N_Y], Aux) {
        let r = [y[0], y[1], y[2]];
        let v = [y[3], y[4], y[5]];
        let d = self.sample.deriv_in(&r, &v, self.canopy);
        let f = [d.dr[0], d.dr[1], d.dr[2], d.dv[0], d.dv[1], d.dv[2], d.dq];
        (f, d.aux)
    }

    /// Weighted RMS over the 7 components, with one weight per vector (position, velocity)
    /// from its length, and one for the heat load: a component's weight does not depend on
    /// the frame's orientation (component-wise weights made whichever component passed near
    /// zero set the step; 12% more steps on the default config).
    fn error_norm(
        &self,
        e: &[f64; N_Y],
        y0: &[f64; N_Y],
        y1: &[f64; N_Y],
        tol: integrator::Tolerance,
    ) -> f64 {
        let len = |y: &[f64; N_Y], o: usize| norm([y[o], y[o + 1], y[o + 2]]);
        let w = |a: f64, b: f64| tol.atol + tol.rtol * a.max(b);
        let wr = w(len(y0, 0), len(y1, 0));
        let wv = w(len(y0, 3), len(y1, 3));
        let wq = w(y0[6].abs(), y1[6].abs());
        let mut s = 0.0;
        for (i, ei) in e.iter().enumerate() {
            let r = ei / [wr, wv, wq][(i >= 3) as usize + (i >= 6) as usize];
            s += r * r;
        }
        (s / N_Y as f64).sqrt()
    }
}

/// The watched quantity `w` (W_G, W_Q, W_QC, W_QR, W_QD) of an evaluation.
pub fn watch(w: usize, a: &Aux) -> f64 {
    match w {
        W_G => a.g_load,
        W_Q => a.q_conv_w_cm2 + a.q_rad_w_cm2,
        W_QC => a.q_conv_w_cm2,
        W_QD => a.qdyn_pa,
        _ => a.q_rad_w_cm2,
    }
}

fn finite_eval(f: &[f64; N_Y], a: &Aux) -> bool {
    f.iter().all(|c| c.is_finite()) && a.alt_m.is_finite()
}

impl SampleModel<'_> {
    fn method(&self) -> Method {
        Method::from_code(self.model.method)
    }

    /// The system flown under canopy mode `chute`.
    fn flight(&self, chute: u32) -> Flight<'_> {
        Flight {
            sample: self,
            canopy: self.canopy(chute),
        }
    }

    /// Altitude [m], Mach number and dynamic pressure [Pa] at a state, without a canopy (the
    /// shader's `air_state`).
    fn air_state(&self, y: &[f64; N_Y]) -> (f64, f64, f64) {
        let r = [y[0], y[1], y[2]];
        let (alt, cp, sp) = self.geodetic(&r);
        let air = self.air_at_geodetic(&r, cp, sp, alt);
        let (ln_rho, a) = self.atmosphere(alt);
        let rho = if ln_rho < -700.0 { 0.0 } else { ln_rho.exp() };
        let speed = norm([y[3] - air[0], y[4] - air[1], y[5] - air[2]]);
        (alt, speed / a, 0.5 * rho * speed * speed)
    }

    fn alt_at(&self, y: &[f64; N_Y]) -> f64 {
        self.altitude_m(&[y[0], y[1], y[2]])
    }

    /// A trial step under canopy mode `chute`; `descent`: after the drogue Mach number, at
    /// the descent's tolerance (the tolerance decides only whether the step is kept, not its
    /// values).
    fn trial(
        &self,
        chute: u32,
        t: f64,
        y: &[f64; N_Y],
        f0: &[f64; N_Y],
        h: f64,
        descent: bool,
    ) -> Trial<N_Y, Aux> {
        let rtol = if descent {
            self.c(C_RTOL_DESCENT)
        } else {
            self.c(C_RTOL)
        };
        integrator::trial(
            self.method(),
            &self.flight(chute),
            t,
            y,
            f0,
            h,
            integrator::Tolerance {
                rtol,
                atol: self.c(C_ATOL),
            },
        )
    }

    /// The states at fractions `thetas` of the step of length `h` from (t0, y0) under canopy
    /// mode `chute`, on that step's dense output (the step flown again: its values do not
    /// depend on the tolerance, which only decides whether a step is kept).
    pub fn dense_in_step(
        &self,
        chute: u32,
        t0: f64,
        y0: &[f64; N_Y],
        h: f64,
        thetas: &[f64],
    ) -> Vec<[f64; N_Y]> {
        let (f0, _) = self.flight(chute).rhs(t0, y0);
        let tr = self.trial(chute, t0, y0, &f0, h, false);
        thetas.iter().map(|&th| tr.dense(th)).collect()
    }

    /// The fixed step of rk4 in a phase of the flight [s].
    fn rk4_step(&self, s: &[f64]) -> f64 {
        if s[S_CHUTE] == CH_MAIN as f64 {
            RK4_MAIN_STEP_S
        } else if self.descending(s) {
            self.c(C_DT_DESCENT)
        } else {
            self.c(C_DT)
        }
    }

    /// Locate a parachute trigger inside step `tr` (a0: the aux at its start): the drogue's
    /// Mach number (`drogue`) or the main's altitude, and plan the canopy's opening (S_T_NEXT).
    /// A drogue Mach number crossed below the terrain opens nothing (S_DROGUE_DONE = 2).
    fn locate_trigger(&self, s: &mut [f64], tr: &Trial<N_Y, Aux>, a0: &Aux, drogue: bool) {
        // The trigger as a function that falls through 0: the Mach number, or the altitude, less
        // its level; the g-switch's threshold less the deceleration.
        let gsw = self.model.g_switch && drogue;
        let level = if gsw {
            -self.input[I_GSW]
        } else if drogue {
            self.input[I_DROGUE_MACH]
        } else {
            self.input[I_MAIN_LEVEL]
        };
        let g = |y: &[f64; N_Y]| {
            if gsw {
                -self.entry_g(y)
            } else if drogue {
                self.air_state(y).1
            } else {
                self.alt_at(y)
            }
        };
        let at = |a: &Aux| {
            if gsw {
                -a.g_load
            } else if drogue {
                a.mach
            } else {
                a.alt_m
            }
        };
        let (g0, g1) = (at(a0) - level, at(&tr.aux1) - level);
        // The main is triggered at the step's start when the drogue opened below its level.
        let th = if g0 > 0.0 {
            locate_root(|th| g(&tr.dense(th)) - level, g0, g1)
        } else {
            0.0
        };
        let t_c = tr.t0 + th * tr.h;
        if drogue {
            let (alt, _, qdyn) = self.air_state(&tr.dense(th));
            if alt >= self.input[I_TERRAIN] {
                s[S_DROGUE_DONE] = 1.0;
                s[S_DROGUE_ALT] = alt;
                s[S_DROGUE_QDYN] = qdyn;
                if self.model.chutes {
                    s[S_T_NEXT] = t_c + self.input[I_DROGUE_DELAY];
                    s[S_NEXT_CHUTE] = CH_DROGUE as f64;
                }
            } else {
                s[S_DROGUE_DONE] = 2.0;
            }
        } else {
            s[S_MAIN_DONE] = 1.0;
            s[S_T_NEXT] = t_c + self.input[I_MAIN_DELAY];
            s[S_NEXT_CHUTE] = CH_MAIN as f64;
        }
    }

    /// The deceleration [g0] at a state without a canopy, as the g-switch senses it (the
    /// shader's `air_state`): drag times sqrt(1 + (L/D)^2).
    fn entry_g(&self, y: &[f64; N_Y]) -> f64 {
        let (_, mach, qdyn) = self.air_state(y);
        let (inp, ld) = (self.input, self.input[I_LD]);
        qdyn * self.cd(mach) * inp[I_AREA] / inp[I_MASS] * (1.0 + ld * ld).sqrt() / self.c(C_G0)
    }

    /// After the drogue's Mach number, or once a canopy is open: the descent's tolerance and
    /// rk4 step. (A g-switch triggers before the deceleration pulse, which still needs the
    /// entry's tolerance.)
    fn descending(&self, s: &[f64]) -> bool {
        s[S_CHUTE] != CH_NONE as f64 || (s[S_DROGUE_DONE] != 0.0 && !self.model.g_switch)
    }

    /// The planned canopy change is reached at t: fly it from now on.
    fn open_canopy(s: &mut [f64], t: f64) {
        let chute = s[S_NEXT_CHUTE] as u32;
        s[S_CHUTE] = chute as f64;
        s[S_T_NEXT] = NO_STOP;
        match chute {
            CH_DROGUE => s[S_T_DROGUE] = t,
            CH_MAIN => {
                s[S_T_MAIN] = t;
                s[S_T_NEXT] = t + QS_SETTLE_S;
                s[S_NEXT_CHUTE] = CH_MAIN_QS as f64;
            }
            _ => {}
        }
    }

    /// Advance one sample's state row by at most `max_steps` accepted or rejected steps;
    /// returns true when it has finished (events located, peaks refined). The loop detects
    /// events at step ends. The parachute triggers are located at once on the step's dense
    /// output, since they change the flight; a step ends exactly where a canopy opens. The
    /// terminal event and each watched maximum are recorded with the step that brackets them
    /// and located by [`Self::finish`] (as the shader's finishing pass does).
    pub fn advance(&self, s: &mut [f64], max_steps: u64) -> bool {
        if s[S_STATUS] != ST_RUNNING as f64 {
            if s[S_STATUS] != ST_FAILED as f64 && s[S_FINISHED] == 0.0 {
                self.finish(s);
            }
            return true;
        }
        let rk4 = !self.method().is_adaptive();
        let mut y: [f64; N_Y] = s[S_Y..S_Y + N_Y].try_into().expect("state");
        let mut t = s[S_T];
        let mut chute = s[S_CHUTE] as u32;
        let (mut f0, mut aux0) = self.flight(chute).rhs(t, &y);
        if !finite_eval(&f0, &aux0) {
            s[S_STATUS] = ST_FAILED as f64;
            return true;
        }
        let drogue_mach = self.input[I_DROGUE_MACH];
        let gsw = self.input[I_GSW];
        let h_entry = self.input[I_H_ENTRY];
        let terrain = self.input[I_TERRAIN];
        let main_level = self.input[I_MAIN_LEVEL];
        if s[S_STEPS] == 0.0 && s[S_REJECTED] == 0.0 {
            for w in self.watched() {
                let b = watch_block(w);
                s[b + PK_EXACT] = watch(w, &aux0);
                s[b + PK_EXACT_T] = t;
                s[b + PK_P1] = s[b + PK_EXACT];
                s[b + PK_P2] = s[b + PK_EXACT];
                s[b + PK_P3] = s[b + PK_EXACT];
            }
            if aux0.mach <= drogue_mach || aux0.g_load >= gsw {
                // Already slow at the start: the drogue is triggered at the initial state.
                s[S_DROGUE_DONE] = 1.0;
                s[S_DROGUE_ALT] = aux0.alt_m;
                s[S_DROGUE_QDYN] = aux0.qdyn_pa;
                if self.model.chutes {
                    s[S_T_NEXT] = t + self.input[I_DROGUE_DELAY];
                    s[S_NEXT_CHUTE] = CH_DROGUE as f64;
                }
            }
        }
        let mut ctrl = integrator::Controller::resume(self.method(), s[S_ERR_PREV]);
        let mut h = s[S_H];
        let t_limit = self.c(C_T_LIMIT);
        let mut status = ST_RUNNING;
        for _ in 0..max_steps {
            if t >= t_limit {
                status = ST_TIMEOUT;
                break;
            }
            if s[S_T_NEXT] <= t {
                // A canopy opens now (planned at the start, or reached by the last step).
                Self::open_canopy(s, t);
                chute = s[S_CHUTE] as u32;
                (f0, aux0) = self.flight(chute).rhs(t, &y);
                if chute == CH_DROGUE {
                    s[S_DROGUE_OPEN_MACH] = aux0.mach;
                    s[S_DROGUE_OPEN_QDYN] = aux0.qdyn_pa;
                    s[S_DROGUE_OPEN_ALT] = aux0.alt_m;
                }
                if chute == CH_MAIN {
                    s[S_MAIN_OPEN_QDYN] = aux0.qdyn_pa;
                    s[S_MAIN_OPEN_ALT] = aux0.alt_m;
                }
            }
            let mut hs = if rk4 {
                self.rk4_step(s)
            } else {
                h.min(self.c(C_MAX_STEP))
            }
            .min(t_limit - t);
            let reaching = s[S_T_NEXT] - t <= hs;
            if reaching {
                hs = s[S_T_NEXT] - t;
            }
            let descent = self.descending(s);
            let tr = self.trial(chute, t, &y, &f0, hs, descent);
            let finite = finite_eval(&tr.f1, &tr.aux1) && tr.y1.iter().all(|c| c.is_finite());
            let err = if finite { tr.err } else { ERR_NONFINITE };
            let err_before = ctrl.err_prev;
            let (accept, h_next) = if rk4 {
                (finite, hs)
            } else {
                ctrl.decide(err, hs)
            };
            if !accept {
                if rk4 || h_next < MIN_STEP_S {
                    status = ST_FAILED;
                    break;
                }
                s[S_REJECTED] += 1.0;
                h = h_next;
                continue;
            }
            let t1 = if reaching { s[S_T_NEXT] } else { t + hs };
            // A parachute trigger reached in this step: located on its dense output (the
            // shader does it at the start of its next dispatch, from the step's dense output
            // kept in the state row), and the step is tried again, not committed, now with
            // the canopy's opening planned. The extra dispatch costs the shader ~25 % in
            // wall time (lanes idle until the chunk's last one stops), so without parachutes
            // it waits for the finishing pass.
            let a1 = &tr.aux1;
            let drogue_hit =
                s[S_DROGUE_DONE] == 0.0 && (a1.mach <= drogue_mach || a1.g_load >= gsw);
            let main_hit = chute == CH_DROGUE && s[S_MAIN_DONE] == 0.0 && a1.alt_m <= main_level;
            if drogue_hit || main_hit {
                self.locate_trigger(s, &tr, &aux0, drogue_hit);
                if self.model.chutes {
                    ctrl.err_prev = err_before;
                    s[S_REJECTED] += 1.0;
                    continue;
                }
                // Without parachutes the trigger changes nothing: the step is kept (the
                // shader locates it in its finishing pass).
            }
            let r1 = [tr.y1[0], tr.y1[1], tr.y1[2]];
            let v1 = [tr.y1[3], tr.y1[4], tr.y1[5]];
            if a1.alt_m <= terrain {
                status = ST_LANDED;
            } else if a1.alt_m > h_entry && dot(r1, v1) > 0.0 {
                status = ST_SKIPPED_OUT;
            }
            s[S_STEPS] += 1.0;
            // The maxima of the entry: watched until a canopy opens (its opening load is not
            // modelled: canopies open to full area at once). The event's step too: a maximum
            // at a hypersonic impact lies in it (a flight ending at its peak g was read at the
            // step before: an entry analyst's trial), and the finishing pass searches it up to
            // the event.
            if chute == CH_NONE {
                self.watch_step(s, &tr, &aux0);
            }
            if status != ST_RUNNING {
                // Not committed: the finishing pass locates the event inside this step.
                set_bracket(s, S_EV, t, hs, &y);
                break;
            }
            y = tr.y1;
            t = t1;
            f0 = tr.f1;
            aux0 = tr.aux1;
            h = h_next;
            // A canopy reached by this step opens at the top of the next iteration, as the
            // shader opens it (in an iteration of its own).
        }
        s[S_Y..S_Y + N_Y].copy_from_slice(&y);
        s[S_T] = t;
        s[S_H] = h;
        s[S_ERR_PREV] = ctrl.err_prev;
        if status != ST_RUNNING {
            s[S_STATUS] = status as f64;
            if status != ST_FAILED {
                self.finish(s);
            }
            return true;
        }
        false
    }

    /// Track where each watched maximum lies. Each step's largest value is predicted by the
    /// larger of the parabolas through the watched quantity at its start, its end and each of
    /// two inner stages of the trial (`Trial::auxc`, `auxd`, at approximate states: no
    /// evaluation beyond the trial's own, as the shader's loop has no call site for one). The
    /// finishing pass searches the step predicted highest (B1) and the runner-up among all the
    /// others (B2), the step right after B1 included: near a kink of a tabulated model the
    /// parabolas overshoot, and a step can be ranked first while the maximum lies in the next
    /// one, beyond B1's window (tests/integrator.rs). It also searches the third (B3) where its
    /// prediction comes within [`THIRD_WINDOW_GAP`] of what B1 and B2 located: where the
    /// density's perturbation gives a pulse two humps within 5e-4 of each other, B1 and B2 can
    /// both fall on the lower one (2 samples in 50,000, 4.7e-4 and 2.1e-4 low). Steps without
    /// a canopy only.
    fn watch_step(&self, s: &mut [f64], tr: &Trial<N_Y, Aux>, a0: &Aux) {
        for w in self.watched() {
            let b = watch_block(w);
            let p = tr.predicted_max(watch(w, a0), |a| watch(w, a));
            if p > s[b + PK_P1] {
                // The old best becomes the runner-up, the old runner-up the third.
                s.copy_within(b + PK_B2..b + PK_B2 + BR_LEN, b + PK_B3);
                s[b + PK_P3] = s[b + PK_P2];
                s.copy_within(b + PK_B1..b + PK_B1 + BR_LEN, b + PK_B2);
                s[b + PK_P2] = s[b + PK_P1];
                s[b + PK_P1] = p;
                set_bracket(s, b + PK_B1, tr.t0, tr.h, &tr.y0);
            } else if p > s[b + PK_P2] {
                s.copy_within(b + PK_B2..b + PK_B2 + BR_LEN, b + PK_B3);
                s[b + PK_P3] = s[b + PK_P2];
                s[b + PK_P2] = p;
                set_bracket(s, b + PK_B2, tr.t0, tr.h, &tr.y0);
            } else if p > s[b + PK_P3] {
                s[b + PK_P3] = p;
                set_bracket(s, b + PK_B3, tr.t0, tr.h, &tr.y0);
            }
            let v1 = watch(w, &tr.aux1);
            if v1 > s[b + PK_EXACT] {
                s[b + PK_EXACT] = v1;
                s[b + PK_EXACT_T] = tr.t0 + tr.h;
            }
        }
    }

    /// The maxima watched while stepping: all, or all but the dynamic pressure, which the
    /// finishing pass then derives from the deceleration's (`Model::watch_qdyn`).
    fn watched(&self) -> std::ops::Range<usize> {
        0..if self.model.watch_qdyn { N_WATCH } else { W_QD }
    }

    /// The trial step a bracket recorded under canopy mode `chute`, recomputed (bit for bit
    /// the step that was taken).
    fn bracket_trial(&self, s: &[f64], at: usize, chute: u32) -> (Trial<N_Y, Aux>, Aux) {
        let t0 = s[at + BR_T0];
        let y0: [f64; N_Y] = s[at + BR_Y0..at + BR_Y0 + N_Y].try_into().expect("y0");
        let (f0, a0) = self.flight(chute).rhs(t0, &y0);
        (self.trial(chute, t0, &y0, &f0, s[at + BR_H], false), a0)
    }

    /// After the last step: locate the terminal event on the dense output of the step that
    /// brackets it, and refine each watched maximum likewise. Under a quasi-steady canopy the
    /// velocity at touchdown is the quasi-steady one there.
    pub fn finish(&self, s: &mut [f64]) {
        let status = s[S_STATUS] as u32;
        let chute = s[S_CHUTE] as u32;
        if status == ST_LANDED || status == ST_SKIPPED_OUT {
            let level = if status == ST_LANDED {
                self.input[I_TERRAIN]
            } else {
                self.input[I_H_ENTRY]
            };
            let (tr, a0) = self.bracket_trial(s, S_EV, chute);
            let th = locate_root(
                |th| self.alt_at(&tr.dense(th)) - level,
                a0.alt_m - level,
                tr.aux1.alt_m - level,
            );
            let mut y = tr.dense(th);
            if chute == CH_MAIN_QS {
                let f = self.flight(chute).rhs(0.0, &y).0;
                y[3..6].copy_from_slice(&f[0..3]);
            }
            s[S_Y..S_Y + N_Y].copy_from_slice(&y);
            s[S_T] = tr.t_at(th);
        }
        // The flight ends at the located event (or the time limit): a maximum beyond it would
        // be the last step's extrapolation below the ground (a hypersonic impact's peak g read
        // 2 % high, 25 ms after touchdown: an entry analyst's trial).
        let t_end = s[S_T];
        for w in self.watched() {
            let b = watch_block(w);
            // The dynamic pressure may still rise where the drogue opens (a slow entry, its Cd
            // falling through Mach 5-1; `drogue_misopened` leaves it out): its windows end
            // there too, so its peak is the largest before the opening, not the dense output
            // extrapolated beyond it.
            let t_hi = if w == W_QD && s[S_T_DROGUE] >= 0.0 {
                t_end.min(s[S_T_DROGUE])
            } else {
                t_end
            };
            let (mut best, mut best_t) = if s[b + PK_EXACT_T] <= t_end {
                (s[b + PK_EXACT], s[b + PK_EXACT_T])
            } else {
                // The last step's end, beyond the event: its window (B1, the step predicted
                // highest, where the value still rises at the event) ends at the event.
                (NO_PEAK, 0.0)
            };
            // The altitude and Mach number at the peak g and the peak heat flux: read on the
            // dense output of the window that located the maximum, or, for a maximum at a
            // step's end that no window raised, of the first window that holds its time.
            let at_peak = (w < N_AT_PEAK).then_some(S_AT_PEAK + 2 * w);
            let mut found = [NO_PEAK; 2];
            // Each window is one recorded step, a little beyond its ends (the dense output
            // extrapolates a fraction of a step with little loss), and not beyond the flight:
            // neither after its end nor before the entry (a skip-out after one 2 s step rising
            // from the interface read its peaks at t = -0.5 s: an entry analyst's trial).
            for (slot, at) in [b + PK_B1, b + PK_B2, b + PK_B3].into_iter().enumerate() {
                // B3 after B1 and B2 (the shader's order): `best` is what they located.
                let close = s[b + PK_P3] > best * (1.0 - THIRD_WINDOW_GAP);
                if s[at + BR_H] <= 0.0 || (slot == 2 && !close) {
                    continue;
                }
                let tr = self.bracket_trial(s, at, CH_NONE).0;
                let aux_at = |t: f64| self.flight(CH_NONE).rhs(t, &tr.dense((t - tr.t0) / tr.h)).1;
                let (lo, hi) = (
                    (tr.t0 - WINDOW_MARGIN * tr.h).max(0.0),
                    (tr.t0 + (1.0 + WINDOW_MARGIN) * tr.h).min(t_hi),
                );
                let (t, v) = max_in_window(|t| watch(w, &aux_at(t)), lo, hi);
                let raised = v > best;
                if raised {
                    best = v;
                    best_t = t;
                }
                if at_peak.is_some()
                    && (raised || (found[0] == NO_PEAK && best_t >= lo && best_t <= hi))
                {
                    let a = aux_at(best_t);
                    found = [a.alt_m, a.mach];
                }
            }
            s[S_PEAK + w] = best;
            s[S_T_PEAK + w] = best_t;
            if let Some(a) = at_peak {
                s[a..a + 2].copy_from_slice(&found);
            }
        }
        if !self.model.watch_qdyn {
            // The drag alone with Cd fixed: the dynamic pressure is the deceleration times
            // g0 m / (Cd A), at its time (the shader's expression, in its order).
            let i = self.input;
            s[S_PEAK_QD] = if s[S_PEAK_G] == NO_PEAK {
                NO_PEAK
            } else {
                s[S_PEAK_G] * self.model.consts[C_G0] * i[I_MASS]
                    / (i[I_CD] * i[I_CD_SCALE] * i[I_AREA])
            };
            s[S_T_PEAK_QD] = s[S_T_PEAK_G];
        }
        s[S_FINISHED] = 1.0;
    }
}

fn set_bracket(s: &mut [f64], at: usize, t0: f64, h: f64, y0: &[f64; N_Y]) {
    s[at + BR_T0] = t0;
    s[at + BR_H] = h;
    s[at + BR_Y0..at + BR_Y0 + N_Y].copy_from_slice(y0);
}
