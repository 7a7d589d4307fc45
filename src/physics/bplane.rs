//! From a navigation delivery to an entry state: the incoming hyperbola given by its asymptote
//! (v_inf, right ascension and declination in EME2000) and its B-plane aim point (B.T, B.R),
//! followed to the entry-interface radius. Two-body (point-mass Earth) from the asymptote: the
//! delivery is a two-body quantity, and the aim flown by `dispersa target` absorbs what J2 and
//! the Moon do on the way in.
//!
//! B-plane axes as [`super::flyby::bplane_frame`] builds them from the EME2000 v_inf: S along the
//! incoming asymptote, T = unit(S x k) with k the EME2000 pole (so T lies in the Earth's mean
//! equator, the usual convention for Earth arrival), R = S x T. B = B.T T + B.R R points from
//! the Earth's centre to where the asymptote pierces the plane normal to S.
//!
//! The orbit: angular momentum h = v_inf (B x S), so |h| = |B| v_inf; semi-latus rectum
//! p = |B|^2 v_inf^2 / mu; eccentricity e = sqrt(1 + (|B| v_inf^2 / mu)^2). The periapsis
//! direction is S turned towards B by beta, cos beta = 1 / e; the incoming leg is at negative
//! true anomaly.

use super::flyby::bplane_frame;
use super::vec3::{cross, dot, norm, scale, unit};

/// An incoming hyperbola, in EME2000 [m, m/s].
#[derive(Debug, Clone, Copy)]
pub struct Hyperbola {
    /// Periapsis and in-plane perpendicular unit vectors (Q = h_hat x P).
    p_hat: [f64; 3],
    q_hat: [f64; 3],
    /// Semi-latus rectum [m] and eccentricity.
    p: f64,
    e: f64,
    mu: f64,
}

/// The unit vector of a right ascension and declination [deg].
pub fn radec_unit(ra_deg: f64, dec_deg: f64) -> [f64; 3] {
    let (sa, ca) = ra_deg.to_radians().sin_cos();
    let (sd, cd) = dec_deg.to_radians().sin_cos();
    [cd * ca, cd * sa, sd]
}

impl Hyperbola {
    /// The hyperbola of asymptote `s_hat` (unit, EME2000) at `vinf_m_s`, aimed at (B.T, B.R)
    /// [m]. None for B = 0 (a radial fall, with no orbit plane) or a non-positive v_inf.
    pub fn from_bplane(
        s_hat: [f64; 3],
        vinf_m_s: f64,
        b_t_m: f64,
        b_r_m: f64,
        mu: f64,
    ) -> Option<Hyperbola> {
        let (s, t, r) = bplane_frame(s_hat);
        let b_vec: [f64; 3] = std::array::from_fn(|k| b_t_m * t[k] + b_r_m * r[k]);
        Self::from_b_vector(s, vinf_m_s, b_vec, mu)
    }

    /// The hyperbola of incoming asymptote `s` (unit) at `vinf_m_s` whose asymptote passes at
    /// `b_vec` (perpendicular to `s`) from the centre [m]. None for B = 0 or a non-positive
    /// v_inf.
    pub fn from_b_vector(
        s: [f64; 3],
        vinf_m_s: f64,
        b_vec: [f64; 3],
        mu: f64,
    ) -> Option<Hyperbola> {
        let b = norm(b_vec);
        if !(b > 0.0 && vinf_m_s > 0.0 && mu > 0.0) {
            return None;
        }
        let h_hat = unit(cross(b_vec, s));
        let b_hat = scale(b_vec, 1.0 / b);
        let k = b * vinf_m_s * vinf_m_s / mu;
        let e = (1.0 + k * k).sqrt();
        let (cb, sb) = (1.0 / e, k / e);
        let p_hat: [f64; 3] = std::array::from_fn(|i| cb * s[i] + sb * b_hat[i]);
        Some(Hyperbola {
            p_hat,
            q_hat: cross(h_hat, p_hat),
            p: b * b * vinf_m_s * vinf_m_s / mu,
            e,
            mu,
        })
    }

    pub fn periapsis_radius_m(&self) -> f64 {
        self.p / (1.0 + self.e)
    }

    /// Position and velocity [m, m/s] on the incoming leg at `radius_m` from the centre. None
    /// when the hyperbola's periapsis lies above that radius (the aim misses it).
    pub fn inbound_at_radius(&self, radius_m: f64) -> Option<([f64; 3], [f64; 3])> {
        if self.periapsis_radius_m() > radius_m {
            return None;
        }
        let cos_nu = ((self.p / radius_m - 1.0) / self.e).clamp(-1.0, 1.0);
        let nu = -cos_nu.acos();
        let (sn, cn) = nu.sin_cos();
        let vk = (self.mu / self.p).sqrt();
        let r = std::array::from_fn(|i| radius_m * (cn * self.p_hat[i] + sn * self.q_hat[i]));
        let v = std::array::from_fn(|i| vk * (-sn * self.p_hat[i] + (self.e + cn) * self.q_hat[i]));
        Some((r, v))
    }
}

impl Hyperbola {
    /// The state [m, m/s] on the outgoing leg at `radius_m` from the centre: the incoming leg's
    /// mirror image in the periapsis line (true anomaly +nu for -nu), with the velocity's
    /// radial part reversed. None as for [`Self::inbound_at_radius`].
    pub fn outbound_at_radius(&self, radius_m: f64) -> Option<([f64; 3], [f64; 3])> {
        let (r, v) = self.inbound_at_radius(radius_m)?;
        // Mirror in the periapsis line: keep the P parts, flip the Q parts; the velocity's
        // P part flips too (the radial motion reverses), its Q part stays.
        let (rp, rq) = (dot(r, self.p_hat), dot(r, self.q_hat));
        let (vp, vq) = (dot(v, self.p_hat), dot(v, self.q_hat));
        Some((
            std::array::from_fn(|i| rp * self.p_hat[i] - rq * self.q_hat[i]),
            std::array::from_fn(|i| -vp * self.p_hat[i] + vq * self.q_hat[i]),
        ))
    }

    /// The time [s] from periapsis to `radius_m` (either leg): Kepler's hyperbolic equation,
    /// t = sqrt(a^3 / mu) (e sinh F - F) with a = p / (e^2 - 1) and cosh F = (1 + r / a) / e.
    /// None when the periapsis lies above the radius.
    pub fn time_from_periapsis_s(&self, radius_m: f64) -> Option<f64> {
        if self.periapsis_radius_m() > radius_m {
            return None;
        }
        let a = self.p / (self.e * self.e - 1.0);
        let cosh_f = ((1.0 + radius_m / a) / self.e).max(1.0);
        let f = cosh_f.acosh();
        Some((a * a * a / self.mu).sqrt() * (self.e * f.sinh() - f))
    }

    /// The outgoing asymptote's unit vector: the velocity's direction far out on the outgoing
    /// leg, (-P + sqrt(e^2 - 1) Q) / e.
    pub fn outgoing_asymptote(&self) -> [f64; 3] {
        let root = (self.e * self.e - 1.0).sqrt();
        std::array::from_fn(|i| (-self.p_hat[i] + root * self.q_hat[i]) / self.e)
    }
}

/// The delivery of a state on a hyperbola (EME2000): asymptote unit vector, v_inf [m/s], and
/// (B.T, B.R) [m]. The inverse of [`Hyperbola::from_bplane`] then
/// [`Hyperbola::inbound_at_radius`], for states with positive orbital energy.
/// The aim |B| [m] whose hyperbola at `vinf_m_s` about `mu` has its periapsis at `rp_m` from
/// the centre: B = r_p sqrt(1 + 2 mu / (r_p v_inf^2)) (angular momentum B v_inf = r_p v_p).
pub fn b_for_periapsis_m(rp_m: f64, vinf_m_s: f64, mu: f64) -> f64 {
    rp_m * (1.0 + 2.0 * mu / (rp_m * vinf_m_s * vinf_m_s)).sqrt()
}

pub fn bplane_of_state(r: [f64; 3], v: [f64; 3], mu: f64) -> Option<([f64; 3], f64, f64, f64)> {
    let rn = norm(r);
    let energy = dot(v, v) / 2.0 - mu / rn;
    if energy <= 0.0 {
        return None;
    }
    let vinf = (2.0 * energy).sqrt();
    let h = cross(r, v);
    let h_hat = unit(h);
    // Eccentricity vector, towards periapsis.
    let vxh = cross(v, h);
    let e_vec: [f64; 3] = std::array::from_fn(|k| vxh[k] / mu - r[k] / rn);
    let e = norm(e_vec);
    let p_hat = scale(e_vec, 1.0 / e);
    let q_hat = cross(h_hat, p_hat);
    // Incoming asymptote: (P + sqrt(e^2 - 1) Q) / e.
    let root = (e * e - 1.0).sqrt();
    let s: [f64; 3] = std::array::from_fn(|k| (p_hat[k] + root * q_hat[k]) / e);
    let b = norm(h) / vinf;
    // B is perpendicular to S, in the plane, on the side of P: along P - (P.S) S.
    let along = dot(p_hat, s);
    let b_dir = unit(std::array::from_fn(|k| p_hat[k] - along * s[k]));
    let (_, t, rr) = bplane_frame(s);
    Some((s, vinf, b * dot(b_dir, t), b * dot(b_dir, rr)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::physics::constants::EARTH_MU_M3_S2;

    const MU: f64 = EARTH_MU_M3_S2;

    #[test]
    fn entry_state_keeps_energy_and_momentum_and_descends() {
        let s = radec_unit(300.0, -20.0);
        let (vinf, bt, br) = (4.6e3, 9.0e6, -13.0e6);
        let hyp = Hyperbola::from_bplane(s, vinf, bt, br, MU).unwrap();
        let radius = 6.503e6;
        let (r, v) = hyp.inbound_at_radius(radius).unwrap();
        assert!((norm(r) - radius).abs() < 1e-6);
        // Vis-viva at infinity, and |h| = |B| v_inf, and h along B x S. The energy 1.1e7 J/kg
        // is the difference of v^2 / 2 = 7.2e7 and mu / r = 6.1e7, so its rounding is ~7x an
        // ulp of those: measured 2.1e-15 relative; bound 2e-14 (here and on the outbound leg).
        // |h|: measured 2.1e-16; bound 2e-15.
        let energy = dot(v, v) / 2.0 - MU / radius;
        assert!((energy - vinf * vinf / 2.0).abs() < 2e-14 * energy);
        let h = cross(r, v);
        let b = bt.hypot(br);
        assert!((norm(h) - b * vinf).abs() < 2e-15 * norm(h));
        // Inbound: the radial velocity is negative.
        assert!(dot(r, v) < 0.0);
        // Far out on the same leg the velocity turns to S: at r = 1e12 m its angle to the
        // asymptote, ~a b / r^2 (a = mu / v_inf^2 = 1.9e7 m), is 3e-10 rad, so 1 - cos is below
        // rounding (measured 0); bound 1e-15, a few ulp of 1.
        let (rf, vf) = hyp.inbound_at_radius(1e12).unwrap();
        assert!(dot(unit(vf), s) > 1.0 - 1e-15);
        // ... and the position sits B off the line through the centre along S, up to the
        // hyperbola's approach to its asymptote: at distance ~r it is a b / (2 r) off it, 9.4e-6
        // of B at 1e12 m. Measured 5.4e-6 and 7.7e-6 of B in the two components (9.4e-6
        // together); bound 3e-5 of B, 3x that estimate.
        let along = dot(rf, s);
        let off: [f64; 3] = std::array::from_fn(|k| rf[k] - along * s[k]);
        let (_, t, rr) = bplane_frame(s);
        assert!(
            (dot(off, t) - bt).abs() < 3e-5 * b,
            "{} vs {bt}",
            dot(off, t)
        );
        assert!((dot(off, rr) - br).abs() < 3e-5 * b);
    }

    #[test]
    fn the_inverse_recovers_the_delivery() {
        for (ra, dec, vinf, bt, br) in [
            (300.0, -20.0, 4.6e3, 9.0e6, -13.0e6),
            (30.0, 81.9, 4.6e3, -2.0e6, 15.0e6),
            (170.0, 5.0, 9.0e3, 5.0e6, 5.0e6),
        ] {
            let s = radec_unit(ra, dec);
            let hyp = Hyperbola::from_bplane(s, vinf, bt, br, MU).unwrap();
            let (r, v) = hyp.inbound_at_radius(6.5e6).unwrap();
            let (s2, vinf2, bt2, br2) = bplane_of_state(r, v, MU).unwrap();
            // Rounding only. Measured, worst of the three: 1 - S.S' 2.2e-16, v_inf 1.4e-15
            // relative, B components 2.5e-8 m (13 ulp of |B| ~ 1.6e7 m). Bounds ~10x: 2e-15,
            // 2e-14, 3e-7 m.
            assert!(dot(s, s2) > 1.0 - 2e-15);
            assert!((vinf2 - vinf).abs() < 2e-14 * vinf);
            assert!(
                (bt2 - bt).abs() < 3e-7 && (br2 - br).abs() < 3e-7,
                "{bt2} {br2}"
            );
        }
    }

    /// Run back from the outgoing leg's point at a radius for the time Kepler's equation gives,
    /// a two-body RK4 integration lands on the periapsis.
    #[test]
    fn the_outbound_leg_runs_back_to_periapsis_in_keplers_time() {
        let s = radec_unit(40.0, 25.0);
        let (vinf, bt, br) = (4.6e3, 12.0e6, -9.0e6);
        let hyp = Hyperbola::from_bplane(s, vinf, bt, br, MU).unwrap();
        let radius = 9.25e8;
        let (r1, v1) = hyp.outbound_at_radius(radius).unwrap();
        assert!((norm(r1) - radius).abs() < 1e-6 * radius);
        assert!(dot(r1, v1) > 0.0, "outbound: receding");
        // Energy and angular momentum as on the inbound leg.
        // Measured 1.2e-15 relative; bound as on the inbound leg.
        let energy = dot(v1, v1) / 2.0 - MU / radius;
        assert!((energy - vinf * vinf / 2.0).abs() < 2e-14 * energy);
        let (ri, vi) = hyp.inbound_at_radius(radius).unwrap();
        let (hi, ho) = (cross(ri, vi), cross(r1, v1));
        for k in 0..3 {
            assert!((hi[k] - ho[k]).abs() < 1e-9 * norm(hi));
        }
        // Far out the velocity turns to the outgoing asymptote.
        let (_, vf) = hyp.outbound_at_radius(1e13).unwrap();
        assert!(dot(unit(vf), hyp.outgoing_asymptote()) > 1.0 - 1e-9);
        // Backwards for the time from periapsis: 40,000 RK4 steps of ~5 s (the periapsis's own
        // time scale, sqrt(rp^3 / mu), is ~1,400 s here: RK4's error at h / T ~ 4e-3 is far
        // below the metre).
        let t = hyp.time_from_periapsis_s(radius).unwrap();
        let n = 40_000;
        let h = -t / n as f64;
        let f = |y: [f64; 6]| {
            let r = [y[0], y[1], y[2]];
            let k = -MU / norm(r).powi(3);
            [y[3], y[4], y[5], k * r[0], k * r[1], k * r[2]]
        };
        let mut y = [r1[0], r1[1], r1[2], v1[0], v1[1], v1[2]];
        for _ in 0..n {
            let k1 = f(y);
            let k2 = f(std::array::from_fn(|i| y[i] + 0.5 * h * k1[i]));
            let k3 = f(std::array::from_fn(|i| y[i] + 0.5 * h * k2[i]));
            let k4 = f(std::array::from_fn(|i| y[i] + h * k3[i]));
            y = std::array::from_fn(|i| {
                y[i] + h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i])
            });
        }
        let (rp, vp) = ([y[0], y[1], y[2]], [y[3], y[4], y[5]]);
        let rp_want = hyp.periapsis_radius_m();
        assert!(
            (norm(rp) - rp_want).abs() < 1.0,
            "{} against {rp_want}",
            norm(rp)
        );
        // At periapsis the radial speed vanishes: 1 m of the radius corresponds to ~1e-3 m/s.
        assert!(dot(unit(rp), vp).abs() < 1e-2, "{}", dot(unit(rp), vp));
    }

    #[test]
    fn an_aim_that_passes_above_the_radius_is_refused() {
        let s = radec_unit(0.0, 0.0);
        // |B| = 40,000 km at 4.6 km/s: periapsis ~ 30,000 km.
        let hyp = Hyperbola::from_bplane(s, 4.6e3, 4.0e7, 0.0, MU).unwrap();
        assert!(hyp.periapsis_radius_m() > 6.5e6);
        assert!(hyp.inbound_at_radius(6.5e6).is_none());
        assert!(Hyperbola::from_bplane(s, 4.6e3, 0.0, 0.0, MU).is_none());
    }
}
