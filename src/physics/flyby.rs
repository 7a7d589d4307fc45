//! Patched-conic gravity assist: inside the planet's sphere of influence the spacecraft flies a
//! hyperbola that turns its hyperbolic excess velocity v_inf without changing its magnitude;
//! outside, the heliocentric velocity is the planet's plus v_inf. The turn here is the
//! instantaneous one at the planet's centre (the usual patched-conic limits); the cruise's
//! departure (`scenario::cruise::departure`) flies the leg from periapsis to the sphere of
//! influence with the Moon, the Sun and J2.
//!
//! B-plane frame (the convention of Kizner's B-plane targeting, with the ecliptic J2000 pole as
//! reference): S = v_inf_in / |v_inf_in| along the incoming asymptote; T = unit(S x k), k the
//! ecliptic north pole (0, 0, 1), so T lies in the ecliptic; R = S x T, completing a right-handed
//! (S, T, R) triad (R points roughly towards ecliptic south). The B vector, from the planet's
//! centre to where the incoming asymptote pierces the plane normal to S, is
//! B = b (cos theta T + sin theta R), theta (the B-plane angle) measured from T towards R.
//! The planet pulls the spacecraft towards itself, i.e. towards -B: the outgoing v_inf lies in
//! the plane of S and B, turned by the turn angle delta from S towards -B:
//! v_inf_out = |v_inf| (cos delta S - sin delta B/|B|),
//! a rotation of v_inf_in by delta about the orbit normal B x S. With rp the periapsis radius,
//! delta = 2 asin(1 / (1 + rp v_inf^2 / mu)) (hyperbola eccentricity 1 + rp v_inf^2 / mu).
//! theta = 0 puts B on T (the pass in the ecliptic, turning "leftwards" seen from the ecliptic
//! north); theta = 90 deg puts B on R (passing below the ecliptic, so v_inf turns northwards).

use super::vec3::unit;
use super::vec3::{cross, norm};

/// Turn angle delta [rad] of v_inf for a hyperbolic pass with periapsis radius
/// `periapsis_radius_m`, excess speed `vinf_m_s` and planet GM `mu_planet` [m^3/s^2].
pub fn turn_angle_rad(vinf_m_s: f64, periapsis_radius_m: f64, mu_planet: f64) -> f64 {
    let ecc = 1.0 + periapsis_radius_m * vinf_m_s * vinf_m_s / mu_planet;
    2.0 * (1.0 / ecc).asin()
}

/// B-plane unit vectors (S, T, R) for an incoming v_inf (see the module doc). If v_inf is within
/// 1e-12 rad of the ecliptic pole, S x k is undefined and the ecliptic x axis (equinox) stands in
/// for k.
pub fn bplane_frame(vinf_in_m_s: [f64; 3]) -> ([f64; 3], [f64; 3], [f64; 3]) {
    let s = unit(vinf_in_m_s);
    let mut t = cross(s, [0.0, 0.0, 1.0]);
    if norm(t) < 1e-12 {
        t = cross(s, [1.0, 0.0, 0.0]);
    }
    let t = unit(t);
    let r = cross(s, t);
    (s, t, r)
}

/// Outgoing v_inf [m/s] of a patched-conic flyby: the incoming `vinf_in_m_s` turned by
/// [`turn_angle_rad`] from S towards -B, with B at `bplane_angle_rad` from T towards R (module
/// doc). The magnitude is preserved. `periapsis_radius_m` is from the planet's centre.
pub fn flyby_turn(
    vinf_in_m_s: [f64; 3],
    periapsis_radius_m: f64,
    bplane_angle_rad: f64,
    mu_planet: f64,
) -> [f64; 3] {
    let vinf = norm(vinf_in_m_s);
    let delta = turn_angle_rad(vinf, periapsis_radius_m, mu_planet);
    let (s, t, r) = bplane_frame(vinf_in_m_s);
    let (st, ct) = bplane_angle_rad.sin_cos();
    let b_hat = [
        ct * t[0] + st * r[0],
        ct * t[1] + st * r[1],
        ct * t[2] + st * r[2],
    ];
    let (sd, cd) = delta.sin_cos();
    std::array::from_fn(|k| vinf * (cd * s[k] - sd * b_hat[k]))
}

/// Heliocentric velocity [m/s] after the flyby: the planet's heliocentric velocity plus the
/// outgoing v_inf.
pub fn heliocentric_after_flyby(planet_v_m_s: [f64; 3], vinf_out_m_s: [f64; 3]) -> [f64; 3] {
    std::array::from_fn(|k| planet_v_m_s[k] + vinf_out_m_s[k])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::physics::vec3::dot;

    #[test]
    fn bplane_frame_is_right_handed_and_t_lies_in_the_ecliptic() {
        for vinf in [[3e3, -4e3, 1e3], [0.0, 0.0, 5e3], [-1.0, 2.0, -3.0]] {
            let (s, t, r) = bplane_frame(vinf);
            assert!(t[2].abs() < 1e-15 || (vinf[0] == 0.0 && vinf[1] == 0.0));
            let c = cross(s, t);
            for k in 0..3 {
                assert!((c[k] - r[k]).abs() < 1e-15);
            }
            assert!(dot(s, t).abs() < 1e-15 && dot(t, r).abs() < 1e-15 && dot(s, r).abs() < 1e-15);
        }
    }
}
