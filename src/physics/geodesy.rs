//! Host-side geodesy in f64: WGS84 geodetic <-> Earth-fixed Cartesian, local frames, and
//! great-circle ranges on the mean sphere. The shader has its own altitude function
//! (`shaders/geodesy.wgsl`, one Bowring step with sqrt and division only); this file is the f64
//! reference, iterated to convergence (tests/geodesy.rs compares the two), and has the shader's
//! formula's twin, [`geodetic_frame`], for the CPU engine's right-hand side.

use super::constants::{EARTH_MEAN_RADIUS_M, WGS84_A_M, WGS84_E2};

/// Geodetic latitude/longitude [rad] and height [m] to Earth-fixed Cartesian [m]
/// on an ellipsoid with semi-major axis `a` and eccentricity squared `e2`.
pub fn geodetic_to_cartesian_m(lat_rad: f64, lon_rad: f64, h_m: f64, a: f64, e2: f64) -> [f64; 3] {
    let (s, c) = lat_rad.sin_cos();
    let n = a / (1.0 - e2 * s * s).sqrt();
    [
        (n + h_m) * c * lon_rad.cos(),
        (n + h_m) * c * lon_rad.sin(),
        (n * (1.0 - e2) + h_m) * s,
    ]
}

/// Earth-fixed Cartesian [m] to geodetic latitude, longitude [rad] and height [m]:
/// Bowring's parametric-latitude iteration (converges to machine precision in a few steps).
pub fn cartesian_to_geodetic_m(r: [f64; 3], a: f64, e2: f64) -> (f64, f64, f64) {
    let lon = r[1].atan2(r[0]);
    let p = r[0].hypot(r[1]);
    if e2 == 0.0 {
        let lat = r[2].atan2(p);
        return (lat, lon, (p * p + r[2] * r[2]).sqrt() - a);
    }
    let b = a * (1.0 - e2).sqrt();
    let ep2 = e2 / (1.0 - e2);
    let mut beta = (r[2] * a).atan2(p * b);
    let mut lat = 0.0;
    for _ in 0..6 {
        let (sb, cb) = beta.sin_cos();
        lat = (r[2] + ep2 * b * sb * sb * sb).atan2(p - e2 * a * cb * cb * cb);
        let next = ((1.0 - e2).sqrt() * lat.tan()).atan();
        if (next - beta).abs() < 1e-15 {
            break;
        }
        beta = next;
    }
    let (s, c) = lat.sin_cos();
    let n = a / (1.0 - e2 * s * s).sqrt();
    // Height along the normal, well conditioned at all latitudes.
    let h = p * c + r[2] * s - a * a / n;
    (lat, lon, h)
}

/// The shaders' geodetic frame (`geodetic_frame` in `shaders/geodesy.wgsl`), operation for
/// operation: one step of Bowring's method from the parametric latitude of the point's own
/// direction, square roots and divisions only. Returns the altitude [m] and the cosine and sine
/// of the geodetic latitude; `eb` = sqrt(1 - e2), `ep` = e2 / eb (the reentry model's C_E2_B,
/// C_E2_EP); e2 = 0 is the sphere (the distance from the centre). The CPU engine's right-hand
/// side uses it so that both engines see the same altitude to the last bit: the converged
/// [`cartesian_to_geodetic_m`] differs from it by up to 4.7e-9 m, enough to put one sample in
/// a few thousand on another step sequence (docs/VALIDATION.md). tests/geodesy.rs compares it
/// with the converged reference and with the shader.
pub fn geodetic_frame(r: [f64; 3], a: f64, e2: f64, eb: f64, ep: f64) -> (f64, f64, f64) {
    let p = (r[0] * r[0] + r[1] * r[1]).sqrt();
    let z = r[2];
    if e2 == 0.0 {
        let rn = (r[0] * r[0] + r[1] * r[1] + r[2] * r[2]).sqrt();
        return (rn - a, p / rn, z / rn);
    }
    let pb = eb * p;
    let inv_b = 1.0 / (pb * pb + z * z).sqrt();
    let cb = pb * inv_b;
    let sb = z * inv_b;
    let num = z + ep * a * sb * sb * sb;
    let den = p - e2 * a * cb * cb * cb;
    let inv = 1.0 / (num * num + den * den).sqrt();
    let c = den * inv;
    let s = num * inv;
    (p * c + z * s - a * (1.0 - e2 * s * s).sqrt(), c, s)
}

/// WGS84 shorthand of [`cartesian_to_geodetic_m`], in degrees and metres.
pub fn wgs84_geodetic_deg(r: [f64; 3]) -> (f64, f64, f64) {
    let (lat, lon, h) = cartesian_to_geodetic_m(r, WGS84_A_M, WGS84_E2);
    (lat.to_degrees(), lon.to_degrees(), h)
}

/// Great-circle distance [km] on the mean-radius sphere (haversine).
pub fn great_circle_km(lat1_deg: f64, lon1_deg: f64, lat2_deg: f64, lon2_deg: f64) -> f64 {
    central_angle_rad(lat1_deg, lon1_deg, lat2_deg, lon2_deg) * EARTH_MEAN_RADIUS_M / 1000.0
}

fn central_angle_rad(lat1_deg: f64, lon1_deg: f64, lat2_deg: f64, lon2_deg: f64) -> f64 {
    let (p1, p2) = (lat1_deg.to_radians(), lat2_deg.to_radians());
    let dp = p2 - p1;
    let dl = (lon2_deg - lon1_deg).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * h.sqrt().min(1.0).asin()
}

/// Initial bearing [rad] from point 1 to point 2, from north towards east.
fn bearing_rad(lat1_deg: f64, lon1_deg: f64, lat2_deg: f64, lon2_deg: f64) -> f64 {
    let (p1, p2) = (lat1_deg.to_radians(), lat2_deg.to_radians());
    let dl = (lon2_deg - lon1_deg).to_radians();
    let y = dl.sin() * p2.cos();
    let x = p1.cos() * p2.sin() - p1.sin() * p2.cos() * dl.cos();
    y.atan2(x)
}

/// Bearing [deg, from north towards east, in (-180, 180]] of the great circle from point 1 at
/// point 2 (its final bearing there).
pub fn final_bearing_deg(lat1_deg: f64, lon1_deg: f64, lat2_deg: f64, lon2_deg: f64) -> f64 {
    let back = bearing_rad(lat2_deg, lon2_deg, lat1_deg, lon1_deg).to_degrees();
    if back > 0.0 {
        back - 180.0
    } else {
        back + 180.0
    }
}

/// `lon` [deg] moved by whole turns to within 180 degrees of `reference`: longitudes about a
/// point read continuously across the antimeridian.
pub fn unwrap_lon_deg(lon: f64, reference: f64) -> f64 {
    reference + (lon - reference + 180.0).rem_euclid(360.0) - 180.0
}

/// East and north [km] of point 2 from point 1 (both at zero height on the WGS84 ellipsoid),
/// azimuthal equidistant about point 1: the direction is that of the ECEF offset on point 1's
/// tangent plane, the length the arc on the sphere of the ellipsoid's mean curvature there,
/// R = sqrt(M N). Near point 1 this is the tangent plane's projection (longer by h^3 / (6 R^2):
/// 0.5 m at 50 km); far away it stays the distance along the Earth, where the plane's
/// projection saturates at about R (a point 15,344 km away read 4,247 km).
pub fn east_north_km(lat1_deg: f64, lon1_deg: f64, lat2_deg: f64, lon2_deg: f64) -> (f64, f64) {
    let ecef = |lat: f64, lon: f64| {
        geodetic_to_cartesian_m(lat.to_radians(), lon.to_radians(), 0.0, WGS84_A_M, WGS84_E2)
    };
    let (a, b) = (ecef(lat1_deg, lon1_deg), ecef(lat2_deg, lon2_deg));
    let d = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
    let (sp, cp) = lat1_deg.to_radians().sin_cos();
    let (sl, cl) = lon1_deg.to_radians().sin_cos();
    let east = -sl * d[0] + cl * d[1];
    let north = -sp * cl * d[0] - sp * sl * d[1] + cp * d[2];
    let up = cp * cl * d[0] + cp * sl * d[1] + sp * d[2];
    let (m_radius, n_radius) = radii_of_curvature_m(lat1_deg);
    let r = (m_radius * n_radius).sqrt();
    let h = east.hypot(north);
    if h == 0.0 {
        // Point 1 itself, or its antipode, where every direction is as short: taken north.
        let arc = if up < 0.0 {
            std::f64::consts::PI * r
        } else {
            0.0
        };
        return (0.0, arc / 1000.0);
    }
    let scale = r * h.atan2(r + up) / h;
    (east * scale / 1000.0, north * scale / 1000.0)
}

/// The point [deg] reached from (`lat_deg`, `lon_deg`) by moving `east_km` and `north_km` along
/// the great circle that leaves it in that direction, on the sphere of the ellipsoid's mean
/// curvature there: the inverse of [`east_north_km`] to that sphere's flattening (0.3 % of the
/// move). It crosses a pole where the move does (the latitude folds back, the longitude turns by
/// half a turn), where adding degrees of latitude would leave the globe. Longitude in [-180, 180).
pub fn moved_deg(lat_deg: f64, lon_deg: f64, east_km: f64, north_km: f64) -> (f64, f64) {
    let (m_radius, n_radius) = radii_of_curvature_m(lat_deg);
    let d = 1000.0 * east_km.hypot(north_km) / (m_radius * n_radius).sqrt();
    let bearing = east_km.atan2(north_km);
    let (sp, cp) = lat_deg.to_radians().sin_cos();
    let (sd, cd) = d.sin_cos();
    let lat = (sp * cd + cp * sd * bearing.cos()).clamp(-1.0, 1.0).asin();
    let lon = lon_deg.to_radians() + (bearing.sin() * sd * cp).atan2(cd - sp * lat.sin());
    (
        lat.to_degrees(),
        (lon.to_degrees() + 180.0).rem_euclid(360.0) - 180.0,
    )
}

/// The WGS84 ellipsoid's meridian (M) and prime-vertical (N) radii of curvature [m] at a
/// geodetic latitude: a metre north is 1 / M radians of latitude there, a metre east
/// 1 / (N cos lat) of longitude.
pub fn radii_of_curvature_m(lat_deg: f64) -> (f64, f64) {
    let sp = lat_deg.to_radians().sin();
    let w2 = 1.0 - WGS84_E2 * sp * sp;
    let n_radius = WGS84_A_M / w2.sqrt();
    (n_radius * (1.0 - WGS84_E2) / w2, n_radius)
}

/// Signed distance [km] of point 2 from the great circle through point 1 along `azimuth_deg`
/// (from north towards east): positive to the right of the direction of travel.
pub fn crossrange_km(
    lat1_deg: f64,
    lon1_deg: f64,
    azimuth_deg: f64,
    lat2_deg: f64,
    lon2_deg: f64,
) -> f64 {
    let d = central_angle_rad(lat1_deg, lon1_deg, lat2_deg, lon2_deg);
    let theta = bearing_rad(lat1_deg, lon1_deg, lat2_deg, lon2_deg);
    (d.sin() * (theta - azimuth_deg.to_radians()).sin()).asin() * EARTH_MEAN_RADIUS_M / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    #[test]
    fn geodetic_round_trip_is_sub_millimetre() {
        for &(lat, lon, h) in &[
            (0.0, 0.0, 0.0),
            (42.0, 111.4, 125_000.0),
            (-89.9, -170.0, 3.0),
            (89.99, 10.0, 1e5),
        ] {
            let r = geodetic_to_cartesian_m(
                f64::to_radians(lat),
                f64::to_radians(lon),
                h,
                WGS84_A_M,
                WGS84_E2,
            );
            let (la, lo, hh) = wgs84_geodetic_deg(r);
            assert!((la - lat).abs() < 1e-10, "lat {la} vs {lat}");
            assert!((lo - lon).abs() < 1e-10, "lon {lo} vs {lon}");
            assert!((hh - h).abs() < 1e-3, "h {hh} vs {h}");
        }
    }

    /// The miss from a target is the distance along the Earth at any range: against the
    /// great circle on the mean sphere within 0.6 % from 1 km to 19,000 km (the ellipsoid's
    /// radii of curvature differ from the mean radius by up to 0.56 %: the meridian's at the
    /// equator is 6,335 km, and 1.1 km north there reads 0.56 % short), with the bearing
    /// within 0.2 degrees to 10,000 km (geodetic against geocentric latitude: up to 0.19
    /// degrees). The
    /// tangent plane's projection read a point 15,344 km away as 4,247 km.
    #[test]
    fn miss_components_keep_the_distance_along_the_earth() {
        let sites = [(41.8, 111.4), (-33.0, 151.0), (0.0, -70.0), (70.0, 20.0)];
        for &(la1, lo1) in &sites {
            for k in 0..12 {
                for &dlat in &[0.01, 0.5, 10.0, 60.0, 120.0, 170.0] {
                    // Points at a spread of ranges and bearings about the site.
                    let la2 = (la1 + dlat * (k as f64 * PI / 6.0).cos()).clamp(-89.0, 89.0);
                    let lo2 = lo1 + dlat * (k as f64 * PI / 6.0).sin();
                    let gc = great_circle_km(la1, lo1, la2, lo2);
                    if !(1.0..=19_000.0).contains(&gc) {
                        continue;
                    }
                    let (e, n) = east_north_km(la1, lo1, la2, lo2);
                    let rel = e.hypot(n) / gc - 1.0;
                    assert!(rel.abs() < 6e-3, "{la1},{lo1} to {la2},{lo2}: {rel}");
                    let b = bearing_rad(la1, lo1, la2, lo2);
                    let db = (e.atan2(n) - b + 3.0 * PI).rem_euclid(2.0 * PI) - PI;
                    // Near the antipode the bearings of all routes converge: bearings are checked
                    // to 10,000 km.
                    assert!(
                        gc > 10_000.0 || db.abs().to_degrees() < 0.2,
                        "bearing off by {db} rad at {gc} km"
                    );
                }
            }
        }
        // The antipode, where the plane's offset has no horizontal part: half a turn on the
        // sphere of point 1's curvature (0.3-0.5 % longer than the mean sphere's), not zero.
        for (la, lo) in [(0.0, 10.0), (90.0, 0.0)] {
            let (e, n) = east_north_km(la, lo, -la, lo - 180.0);
            let gc = great_circle_km(la, lo, -la, lo - 180.0);
            assert!(
                (e.hypot(n) / gc - 1.0).abs() < 6e-3,
                "{e}, {n} against {gc}"
            );
        }
        // A target on another continent: Siziwang Banner to the equator at 70 W.
        let (e, n) = east_north_km(41.8, 111.4, 0.0, -70.0);
        let gc = great_circle_km(41.8, 111.4, 0.0, -70.0);
        assert!(gc > 15_000.0 && (e.hypot(n) / gc - 1.0).abs() < 6e-3);
    }

    /// A move east and north, read back as the miss from its start: within 0.6 % in length
    /// and 0.2 degrees in bearing, the two conventions' difference (the mean sphere against the
    /// ellipsoid's curvature and its geodetic latitude; the test above), at every site and range
    /// the aim moves by (1-3,000 km), across a pole included.
    #[test]
    fn a_move_reads_back_as_its_east_and_north() {
        let mut worst = (0.0f64, 0.0f64);
        for &(la, lo) in &[
            (41.8, 111.4),
            (-33.0, 151.0),
            (0.0, -70.0),
            (87.3, 31.3),
            (-89.9, 44.7),
        ] {
            for k in 0..12 {
                for &len in &[1.0, 50.0, 700.0, 3000.0] {
                    let b = k as f64 * PI / 6.0;
                    let (e, n) = (len * b.sin(), len * b.cos());
                    let (la2, lo2) = moved_deg(la, lo, e, n);
                    assert!((-90.0..=90.0).contains(&la2) && (-180.0..180.0).contains(&lo2));
                    let (e2, n2) = east_north_km(la, lo, la2, lo2);
                    let rel = e2.hypot(n2) / len - 1.0;
                    let db = ((e2.atan2(n2) - b + 3.0 * PI).rem_euclid(2.0 * PI) - PI).to_degrees();
                    worst = (worst.0.max(rel.abs()), worst.1.max(db.abs()));
                    assert!(rel.abs() < 6e-3, "{la},{lo} by {e},{n}: {rel}");
                    assert!(db.abs() < 0.2, "{la},{lo} by {e},{n}: bearing {db} deg");
                }
            }
        }
        eprintln!("worst: length {:.2e}, bearing {:.3} deg", worst.0, worst.1);
        // Across the pole: 200 km north of 89.5 N on the meridian 0 lands on the meridian 180.
        let (la, lo) = moved_deg(89.5, 0.0, 0.0, 200.0);
        assert!(la < 89.0 && (lo.abs() - 180.0).abs() < 1e-9, "{la}, {lo}");
    }

    #[test]
    fn crossrange_sign_is_positive_to_the_right() {
        // Heading north from the equator, a point to the east is on the right.
        assert!(crossrange_km(0.0, 0.0, 0.0, 1.0, 0.1) > 0.0);
        assert!(crossrange_km(0.0, 0.0, 0.0, 1.0, -0.1) < 0.0);
        // 0.1 deg of longitude at the equator is ~11.1 km.
        let x = crossrange_km(0.0, 0.0, 0.0, 0.0, 0.1);
        assert!((x - 11.119).abs() < 0.01, "{x}");
    }

    #[test]
    fn longitudes_unwrap_about_a_reference_across_the_antimeridian() {
        // Exact: whole turns of 360 on values that f64 holds exactly.
        for (lon, reference, want) in [
            (-179.5, 179.0, 180.5),
            (179.5, -179.0, -180.5),
            (10.0, 20.0, 10.0),
            (-170.0, 10.0, -170.0),
            (190.0, 0.0, -170.0),
        ] {
            assert_eq!(
                unwrap_lon_deg(lon, reference),
                want,
                "{lon} about {reference}"
            );
        }
    }
}
