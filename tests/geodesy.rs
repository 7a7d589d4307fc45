//! The shader's geodetic altitude and latitude (shaders/geodesy.wgsl: one step of Bowring's
//! method, sqrt and division only) against the f64 reference (physics::geodesy, Bowring's
//! iteration to convergence with trigonometry), over every latitude and from below the ellipsoid
//! to far above the entry interface. The GPU test needs an adapter (lavapipe in CI) and FAILS
//! without one.

mod common;

use dispersa::engine::gpu::prelude;
use dispersa::engine::Precision;
use dispersa::physics::constants::{WGS84_A_M, WGS84_E2};
use dispersa::physics::geodesy::{
    cartesian_to_geodetic_m, geodetic_frame, geodetic_to_cartesian_m,
};
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64;

const KERNEL: &str = "
const SPHERICAL: u32 = 0u;
@group(0) @binding(0) var<storage, read> consts: array<real>;
@group(0) @binding(1) var<storage, read> points: array<real>;
@group(0) @binding(2) var<storage, read_write> outs: array<real>;

@compute @workgroup_size(64)
fn geodesy_test_main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    if (i >= arrayLength(&points) / 3u) {
        return;
    }
    let r = vec3<real>(points[3u * i], points[3u * i + 1u], points[3u * i + 2u]);
    let g = geodetic_frame(r, consts[0], consts[1], consts[2], consts[3]);
    outs[3u * i] = g.x;
    outs[3u * i + 1u] = g.y;
    outs[3u * i + 2u] = g.z;
}
";

#[test]
fn the_shaders_geodetic_altitude_matches_the_reference_at_every_latitude() {
    let ctx = common::gpu_context_f64();
    let (a, e2) = (WGS84_A_M, WGS84_E2);
    // As the reentry model fills them (C_E2, C_E2_B, C_E2_EP).
    let eb = (1.0 - e2).sqrt();
    let consts = [a, e2, eb, e2 / eb];
    // Random points from 2 km below the ellipsoid to 1,000 km above it, the poles and the
    // equator among them.
    let mut rng = Pcg64::seed_from_u64(7);
    let mut geo = Vec::new();
    for n in 0..4096 {
        let lat = match n {
            0 => 90.0,
            1 => -90.0,
            2 | 3 => 0.0,
            _ => rng.random_range(-90.0..=90.0),
        };
        let lon: f64 = rng.random_range(-180.0..180.0);
        let h = if n % 8 == 0 {
            rng.random_range(200.0e3..1000.0e3)
        } else {
            rng.random_range(-2.0e3..200.0e3)
        };
        geo.push((lat, lon, h));
    }
    let points: Vec<f64> = geo
        .iter()
        .flat_map(|&(lat, lon, h)| {
            geodetic_to_cartesian_m(f64::to_radians(lat), f64::to_radians(lon), h, a, e2)
        })
        .collect();
    let source = format!(
        "{}\n{}\n{}",
        prelude(Precision::F64),
        include_str!("../shaders/geodesy.wgsl"),
        KERNEL
    );
    // The same file must also compile with the f32 prelude (the engine's f32 mode).
    let source32 = source.replacen(&prelude(Precision::F64), &prelude(Precision::F32), 1);
    ctx.pipeline("geodesy test f32", &source32, "geodesy_test_main", &[])
        .expect("geodesy.wgsl compiles in f32");
    let gpu = common::run_test_kernel(
        &ctx,
        "geodesy test",
        &source,
        "geodesy_test_main",
        &[&consts, &points],
        points.len(),
        geo.len(),
    );

    // The spherical planet (the SPHERICAL override, e2 = 0): the CPU twin's distance from the
    // centre and direction give the shader's bits as well.
    let sphere = common::run_test_kernel(
        &ctx,
        "geodesy test, sphere",
        &source.replacen(
            "const SPHERICAL: u32 = 0u;",
            "const SPHERICAL: u32 = 1u;",
            1,
        ),
        "geodesy_test_main",
        &[&[a, 0.0, 1.0, 0.0], &points],
        points.len(),
        geo.len(),
    );
    // Bits on a software adapter; elsewhere the rounding bound of the ellipsoid's twin below
    // (a few ulp of the 6.4e6 m radius, 9.3e-10 m each, and of the unit (cos, sin)).
    for (n, r) in points.chunks(3).enumerate() {
        let twin = geodetic_frame([r[0], r[1], r[2]], a, 0.0, 1.0, 0.0);
        let (sh, sc, ss) = (sphere[3 * n], sphere[3 * n + 1], sphere[3 * n + 2]);
        if ctx.adapter.is_software() {
            assert_eq!(
                [twin.0, twin.1, twin.2].map(f64::to_bits),
                [sh, sc, ss].map(f64::to_bits),
                "sphere, point {n}: the CPU twin {twin:?}"
            );
        } else {
            assert!(
                (twin.0 - sh).abs() <= 1e-8
                    && (twin.1 - sc).abs() <= 1e-15
                    && (twin.2 - ss).abs() <= 1e-15,
                "sphere, point {n}: the CPU twin {twin:?}, the shader ({sh}, {sc}, {ss})"
            );
        }
    }

    // Bounds: the altitude is a difference of ~6.4e6 m quantities whose ulp is 9.3e-10 m, and
    // an f64 emulation of the shader's arithmetic measured 4.7e-9 m over -1..200 km: 2e-8 m
    // is ~20 ulp. The latitude: one Bowring step leaves ~5e-11 rad up to 200 km (the same
    // emulation): 2e-10 rad; its truncation grows with altitude (~9e-10 rad near 1,000 km,
    // measured here): 4e-9 rad (25 mm on the ground) above 200 km.
    let (mut worst_h, mut worst_lat, mut worst_lat_high) = (0.0_f64, 0.0_f64, 0.0_f64);
    for (n, r) in points.chunks(3).enumerate() {
        let (lat, _, h) = cartesian_to_geodetic_m([r[0], r[1], r[2]], a, e2);
        let (gh, gc, gs) = (gpu[3 * n], gpu[3 * n + 1], gpu[3 * n + 2]);
        // The CPU engine's twin of the shader's frame gives the same bits on a software
        // adapter (f64 arithmetic and sqrt are correctly rounded on both, and lavapipe neither
        // fuses nor reorders): what keeps the two engines on the same step sequences. A
        // driver that fuses or reassociates may differ by rounding: a few ulp of the
        // altitude's 6.4e6 m operands (9.3e-10 m each), and of the unit (cos, sin).
        let twin = geodetic_frame([r[0], r[1], r[2]], a, e2, consts[2], consts[3]);
        if ctx.adapter.is_software() {
            assert_eq!(
                (twin.0.to_bits(), twin.1.to_bits(), twin.2.to_bits()),
                (gh.to_bits(), gc.to_bits(), gs.to_bits()),
                "point {n} {:?}: the CPU twin {twin:?}, the shader ({gh}, {gc}, {gs})",
                geo[n]
            );
        } else {
            assert!(
                (twin.0 - gh).abs() <= 1e-8
                    && (twin.1 - gc).abs() <= 1e-15
                    && (twin.2 - gs).abs() <= 1e-15,
                "point {n} {:?}: the CPU twin {twin:?}, the shader ({gh}, {gc}, {gs})",
                geo[n]
            );
        }
        let dh = (gh - h).abs();
        let dlat = (gs.atan2(gc) - lat).abs();
        let unit = (gc * gc + gs * gs - 1.0).abs();
        let lat_bound = if h <= 200.0e3 { 2e-10 } else { 4e-9 };
        assert!(
            dh <= 2e-8 && dlat <= lat_bound && unit <= 1e-15,
            "point {n} {:?}: gpu altitude {gh} m, reference {h} m; latitude off by {dlat:e} \
             rad; |(cos, sin)|^2 - 1 = {unit:e}",
            geo[n]
        );
        worst_h = worst_h.max(dh);
        if h <= 200.0e3 {
            worst_lat = worst_lat.max(dlat);
        } else {
            worst_lat_high = worst_lat_high.max(dlat);
        }
    }
    println!(
        "{} points: altitude within {worst_h:.2e} m, latitude within {worst_lat:.2e} rad \
         (within {worst_lat_high:.2e} rad above 200 km)",
        geo.len()
    );
}
